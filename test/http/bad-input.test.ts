// Bodies that are not what a form or the API expects get a clear 4xx, never a 500.
import { describe, expect, it } from 'vitest';
import { admin, Browser, call, createUser, hiddenFields, ORIGIN, PASSWORD } from '../helpers';

async function loginPage() {
  const browser = new Browser();
  const html = await (await browser.fetch('/login')).text();
  return { browser, csrf: hiddenFields(html).csrf! };
}

describe('POST /login with a body that is not a login form', () => {
  it('answers 400 for malformed multipart', async () => {
    const { browser } = await loginPage();
    const res = await browser.fetch('/login', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zzz', origin: ORIGIN }, body: 'garbage' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('could not be read');
  });

  it('answers 415 for a body of another type', async () => {
    const { browser } = await loginPage();
    const res = await browser.fetch('/login', { method: 'POST', headers: { 'content-type': 'application/json', origin: ORIGIN }, body: '{"email":"a@b.c"}' });
    expect(res.status).toBe(415);
  });

  it('answers 413 for a body over 16 KiB, before reading it', async () => {
    const { browser, csrf } = await loginPage();
    const res = await browser.fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams({ csrf, email: 'a@example.com', password: 'x'.repeat(20_000) }),
    });
    expect(res.status).toBe(413);
  });

  it('still signs in with a normal form after all that', async () => {
    const user = await createUser();
    const { browser, csrf } = await loginPage();
    const res = await browser.fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams({ csrf, email: user.email, password: PASSWORD }),
    });
    expect(res.status).toBe(303);
  });
});

describe('admin API inputs found in review', () => {
  it('registers 20 redirect URLs and 20 sign-out URLs in one request, in order', async () => {
    const redirect_urls = Array.from({ length: 20 }, (_, i) => `https://app.example.com/cb/${i}`);
    const logout_urls = Array.from({ length: 20 }, (_, i) => `https://app.example.com/bye/${i}`);
    const res = await admin('POST', '/apps', { name: 'Many URLs', redirect_urls, logout_urls });
    expect(res.status).toBe(201);
    const app = await res.json<{ client_id: string }>();
    const read = await (await admin('GET', `/apps/${app.client_id}`)).json<{ redirect_urls: string[]; logout_urls: string[] }>();
    expect(read.redirect_urls).toEqual(redirect_urls);
    expect(read.logout_urls).toEqual(logout_urls);
  });

  it('leaves no app behind when its client_id is taken', async () => {
    const first = await admin('POST', '/apps', { name: 'First', client_id: 'taken-id-1', redirect_urls: ['https://a.example.com/cb'] });
    expect(first.status).toBe(201);
    const second = await admin('POST', '/apps', { name: 'Second', client_id: 'taken-id-1', redirect_urls: ['https://b.example.com/cb'] });
    expect(second.status).toBe(409);
    const read = await (await admin('GET', '/apps/taken-id-1')).json<{ name: string; redirect_urls: string[] }>();
    expect(read).toMatchObject({ name: 'First', redirect_urls: ['https://a.example.com/cb'] });
  });

  it('refuses the client_id "new", which the console uses for its Add page', async () => {
    const res = await admin('POST', '/apps', { name: 'New', client_id: 'new', redirect_urls: ['https://a.example.com/cb'] });
    expect(res.status).toBe(400);
    expect((await res.json<{ fields: Record<string, string> }>()).fields.client_id).toContain('reserved');
  });

  it('refuses an attribute mapping named __proto__ instead of dropping it', async () => {
    const res = await call('/api/admin/apps', {
      method: 'POST',
      headers: { authorization: 'Bearer test-admin-token', 'content-type': 'application/json' },
      body: '{"name":"Proto","redirect_urls":["https://a.example.com/cb"],"attribute_map":{"__proto__":"email"}}',
    });
    expect(res.status).toBe(400);
    expect((await res.json<{ fields: Record<string, string> }>()).fields.attribute_map).toContain('__proto__');
  });

  it('finds users by a search text longer than 50 characters', async () => {
    const email = `a-rather-long-local-part-for-searching@${'sub.'.repeat(4)}example.com`;
    await createUser({ email });
    const res = await admin('GET', `/users?q=${encodeURIComponent(email.toUpperCase())}`);
    expect(res.status).toBe(200);
    expect((await res.json<{ users: { email: string }[] }>()).users.map((u) => u.email)).toEqual([email]);
  });
});

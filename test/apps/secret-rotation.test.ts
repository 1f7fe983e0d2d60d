// HS256 client secret rotation without downtime: the new secret signs at once, the previous one
// stays valid (and revealable) for a grace period or until it is retired; console reveal and
// Test SSO are POSTs with CSRF, never GETs.
import { env } from 'cloudflare:workers';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { pruneExpiredPreviousSecrets } from '../../src/apps/secrets';
import { database } from '../../src/db/client';
import { admin, auditUntil, Browser, createApp, createUser, delivered, hiddenFields, ORIGIN, PASSWORD } from '../helpers';

const hs = (secret: string) => new TextEncoder().encode(secret);
const json = <T = Record<string, unknown>>(res: Response) => res.json<T>();

interface Rotated {
  client_id: string;
  client_secret: string;
  previous_secret_expires_at: string | null;
}

async function signedInAdmin() {
  const user = await createUser({ roles: ['admin'] });
  const browser = new Browser();
  expect((await browser.signInThrough('/admin/apps', user.email, PASSWORD)).status).toBe(200);
  return { browser, user };
}

const postForm = (browser: Browser, path: string, fields: Record<string, string>) =>
  browser.fetch(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }, body: new URLSearchParams(fields) });

async function html(browser: Browser, path: string, status = 200) {
  const res = await browser.fetch(path);
  const text = await res.text();
  expect(res.status, text.slice(0, 300)).toBe(status);
  return text;
}

describe('secret rotation through the admin API', () => {
  it('signs with the new secret at once and keeps the previous one revealable for 24 hours', async () => {
    const app = await createApp();
    const user = await createUser();
    const browser = new Browser();
    const before = await delivered(await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD));

    const res = await admin('POST', `/apps/${app.client_id}/secret`);
    expect(res.status).toBe(200);
    const rotated = await json<Rotated>(res);
    expect(rotated.client_secret).not.toBe(app.client_secret);
    const expires = Date.parse(rotated.previous_secret_expires_at!);
    expect(Math.abs(expires - (Date.now() + 86_400_000))).toBeLessThan(120_000);

    const secrets = await json(await admin('GET', `/apps/${app.client_id}/secret`));
    expect(secrets).toEqual({
      client_id: app.client_id,
      client_secret: rotated.client_secret,
      previous_client_secret: app.client_secret,
      previous_secret_expires_at: rotated.previous_secret_expires_at,
    });

    // A token issued before the rotation verifies with the previous secret; a new one with the new secret only.
    const options = { issuer: ORIGIN, audience: app.client_id, algorithms: ['HS256'] };
    await expect(jwtVerify(before.params.id_token!, hs(String(secrets.previous_client_secret)), options)).resolves.toBeTruthy();
    const after = await delivered(await browser.fetch(`/sso/jwt/${app.client_id}`));
    await expect(jwtVerify(after.params.id_token!, hs(rotated.client_secret), options)).resolves.toBeTruthy();
    await expect(jwtVerify(after.params.id_token!, hs(app.client_secret), options)).rejects.toThrow();
  });

  it('retires the old secret on request: then only the current one is returned, and a second retire is 404', async () => {
    const app = await createApp();
    const rotated = await json<Rotated>(await admin('POST', `/apps/${app.client_id}/secret`));
    expect((await admin('DELETE', `/apps/${app.client_id}/secret/previous`)).status).toBe(204);
    expect(await json(await admin('GET', `/apps/${app.client_id}/secret`))).toEqual({ client_id: app.client_id, client_secret: rotated.client_secret });
    const again = await admin('DELETE', `/apps/${app.client_id}/secret/previous`);
    expect(again.status).toBe(404);
    expect(await json(again)).toMatchObject({ error: 'not_found' });
    const row = await env.DB.prepare('select previous_secret_encrypted, previous_secret_expires_at from apps where client_id = ?').bind(app.client_id).first();
    expect(row).toEqual({ previous_secret_encrypted: null, previous_secret_expires_at: null });
    const events = await auditUntil(`type=app.secret.retire`, (e) => e.some((x) => x.target === app.client_id));
    expect(events.find((x) => x.target === app.client_id)).toMatchObject({ actor: 'admin-api' });
  });

  it('forgets the previous secret once its grace period has passed', async () => {
    const app = await createApp();
    await admin('POST', `/apps/${app.client_id}/secret`);
    await env.DB.prepare('update apps set previous_secret_expires_at = ? where client_id = ?').bind(Math.floor(Date.now() / 1000) - 1, app.client_id).run();
    const secrets = await json(await admin('GET', `/apps/${app.client_id}/secret`));
    expect(secrets).not.toHaveProperty('previous_client_secret');
    // The scheduled clean-up erases it; a secret still in its grace period stays.
    const live = await createApp();
    await admin('POST', `/apps/${live.client_id}/secret`);
    expect(await pruneExpiredPreviousSecrets(database(env.DB))).toBe(1);
    const stored = (id: string) => env.DB.prepare('select previous_secret_encrypted as p from apps where client_id = ?').bind(id).first<{ p: string | null }>();
    expect((await stored(app.client_id))!.p).toBeNull();
    expect((await stored(live.client_id))!.p).toMatch(/^v2\./);
    expect((await admin('DELETE', `/apps/${app.client_id}/secret/previous`)).status).toBe(404);
  });

  it('takes a grace period in seconds (0 ends the old secret at once) and refuses a bad one with 400', async () => {
    const app = await createApp();
    const now = await json<Rotated>(await admin('POST', `/apps/${app.client_id}/secret`, { grace_seconds: 0 }));
    expect(now.previous_secret_expires_at).toBeNull();
    expect(await json(await admin('GET', `/apps/${app.client_id}/secret`))).not.toHaveProperty('previous_client_secret');
    const hour = await json<Rotated>(await admin('POST', `/apps/${app.client_id}/secret`, { grace_seconds: 3600 }));
    expect(Math.abs(Date.parse(hour.previous_secret_expires_at!) - (Date.now() + 3_600_000))).toBeLessThan(120_000);
    for (const body of [{ grace_seconds: -1 }, { grace_seconds: 'soon' }, { grace: 5 }]) {
      const res = await admin('POST', `/apps/${app.client_id}/secret`, body);
      expect(res.status).toBe(400);
    }
    // A refused rotation changed nothing.
    expect((await json(await admin('GET', `/apps/${app.client_id}/secret`))).client_secret).toBe(hour.client_secret);
  });

  it('keeps both secrets encrypted at rest', async () => {
    const app = await createApp();
    const rotated = await json<Rotated>(await admin('POST', `/apps/${app.client_id}/secret`));
    const stored = JSON.stringify(await env.DB.prepare('select * from apps where client_id = ?').bind(app.client_id).first());
    expect(stored).not.toContain(app.client_secret);
    expect(stored).not.toContain(rotated.client_secret);
  });
});

describe('secrets in the console', () => {
  it('shows both secrets during the overlap, reveals both only on POST, and retires the old one after confirmation', async () => {
    const app = await createApp();
    const { browser, user } = await signedInAdmin();
    const confirm = await html(browser, `/admin/apps/${app.client_id}/rotate-secret`);
    expect(confirm).toContain('name="grace_seconds"');
    const rotate = await postForm(browser, `/admin/apps/${app.client_id}/rotate-secret`, { csrf: hiddenFields(confirm).csrf!, grace_seconds: '86400' });
    expect(rotate.status).toBe(303);

    const overview = await html(browser, rotate.headers.get('location')!);
    expect(overview).toContain('Previous secret');
    expect(overview).toContain('Still valid for verification until');
    expect(overview).toContain(`href="/admin/apps/${app.client_id}/retire-secret"`);
    expect(overview).not.toContain(app.client_secret);

    const current = (await json(await admin('GET', `/apps/${app.client_id}/secret`))).client_secret as string;
    const revealed = await (await postForm(browser, `/admin/apps/${app.client_id}/reveal-secret`, { csrf: hiddenFields(overview).csrf! })).text();
    expect(revealed).toContain(`<code id="client-secret">${current}</code>`);
    expect(revealed).toContain(`<code id="previous-client-secret">${app.client_secret}</code>`);

    const retire = await html(browser, `/admin/apps/${app.client_id}/retire-secret`);
    expect(retire).toMatch(/<button type="submit"[^>]*>Retire old secret<\/button>/);
    const done = await postForm(browser, `/admin/apps/${app.client_id}/retire-secret`, { csrf: hiddenFields(retire).csrf! });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`/admin/apps/${app.client_id}?notice=secret_retired`);
    const after = await html(browser, done.headers.get('location')!);
    expect(after).not.toContain('Previous secret');
    expect(after).toContain('The old secret was retired');
    const events = await auditUntil(`type=app.secret.retire&user=${user.id}`, (e) => e.some((x) => x.target === app.client_id));
    expect(events.length).toBeGreaterThan(0);
  });

  it('refuses a reveal or a Test SSO run without the CSRF token, and a GET neither reveals nor runs', async () => {
    const app = await createApp();
    const { browser } = await signedInAdmin();
    await html(browser, `/admin/apps/${app.client_id}`); // sets the CSRF cookie
    for (const path of ['reveal-secret', 'test']) {
      const res = await postForm(browser, `/admin/apps/${app.client_id}/${path}`, { redirect_uri: 'https://app.example.com/callback' });
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain(app.client_secret);
    }
    expect(await html(browser, `/admin/apps/${app.client_id}?reveal=1`)).not.toContain(app.client_secret);
    const test = await html(browser, `/admin/apps/${app.client_id}/test?run=1&redirect_uri=${encodeURIComponent('https://app.example.com/callback')}`);
    expect(test).not.toContain('id="test-result"');
    expect(test).not.toContain('id_token=');
    expect(test).toContain(`<form method="post" action="/admin/apps/${app.client_id}/test"`);
  });

  it('ignores notice codes that are only prototype names', async () => {
    const { browser } = await signedInAdmin();
    for (const code of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const page = await html(browser, `/admin/apps?notice=${code}`);
      expect(page).not.toContain('role="status"');
      expect(page).not.toContain('[native code]');
    }
    expect(await html(browser, '/admin/apps?notice=saved')).toContain('Changes saved.');
  });
});

// The console's Provisioning page (SCIM tokens: created and shown once, listed with when last
// used, revoked) and Groups page (members, where each group comes from, apps whose rules name it).
import { describe, expect, it } from 'vitest';
import { Browser, createApp, createUser, hiddenFields, ORIGIN, PASSWORD, unique } from '../helpers';
import { scim, scimJson, scimToken } from './support';

async function signedInAdmin() {
  const user = await createUser({ roles: ['admin'] });
  const browser = new Browser();
  expect((await browser.signInThrough('/admin/apps', user.email, PASSWORD)).status).toBe(200);
  return browser;
}

async function page(browser: Browser, path: string): Promise<string> {
  const res = await browser.fetch(path);
  const html = await res.text();
  expect(res.status, html.slice(0, 300)).toBe(200);
  return html;
}

const post = (browser: Browser, path: string, fields: Record<string, string>) =>
  browser.fetch(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }, body: new URLSearchParams(fields) });

describe('console: Provisioning', () => {
  it('creates a token shown once that works at /scim/v2, lists it with its last use, and revokes it', async () => {
    const browser = await signedInAdmin();
    const home = await page(browser, '/admin/provisioning');
    expect(home).toContain('https://sso.test/scim/v2');
    expect(home).toContain('Microsoft Entra ID');
    expect(home).toContain('Okta');
    const name = unique('Okta prod');
    const created = await post(browser, '/admin/provisioning/tokens', { csrf: hiddenFields(home).csrf!, name, identity_source: '' });
    expect(created.status).toBe(200);
    expect(created.headers.get('cache-control')).toContain('no-store');
    const html = await created.text();
    const token = /<code id="scim-token">([^<]+)<\/code>/.exec(html)?.[1];
    expect(token).toMatch(/^scim_/);
    expect((await scim(token!, 'GET', '/Users?count=1')).status).toBe(200);
    // Listed, never shown again.
    const listed = await page(browser, '/admin/provisioning');
    expect(listed).toContain(name);
    expect(listed).not.toContain(token!);

    const id = new RegExp(`/admin/provisioning/tokens/([^/"]+)/revoke" aria-label="Revoke ${name}"`).exec(listed)?.[1];
    expect(id).toBeTruthy();
    const confirm = await page(browser, `/admin/provisioning/tokens/${id}/revoke`);
    const revoked = await post(browser, `/admin/provisioning/tokens/${id}/revoke`, { csrf: hiddenFields(confirm).csrf! });
    expect(revoked.status).toBe(303);
    expect((await scim(token!, 'GET', '/Users')).status).toBe(401);
  });

  it('refuses a token without a name (400, nothing created) and a form without its CSRF token', async () => {
    const browser = await signedInAdmin();
    const home = await page(browser, '/admin/provisioning');
    const res = await post(browser, '/admin/provisioning/tokens', { csrf: hiddenFields(home).csrf!, name: '' });
    expect(res.status).toBe(400);
    expect(await res.text()).not.toContain('id="scim-token"');
    expect((await post(browser, '/admin/provisioning/tokens', { name: 'x' })).status).toBe(403);
  });
});

describe('console: Groups', () => {
  it('lists each group with its members, its origin and the apps whose access rules name it', async () => {
    const { token } = await scimToken();
    const member = await createUser();
    const pushed = unique('Engineering');
    await scimJson(await scim(token, 'POST', '/Groups', { displayName: pushed, members: [{ value: member.id }] }), 201);
    const byHand = unique('Hand');
    await createUser({ groups: [byHand] });
    const app = await createApp({ name: unique('Payroll app'), access: { groups: [pushed], users: [] } });

    const html = await page(await signedInAdmin(), '/admin/groups');
    const row = (name: string) => html.slice(html.indexOf(`<td>${name}</td>`), html.indexOf('</tr>', html.indexOf(`<td>${name}</td>`)));
    expect(row(pushed)).toContain('1 member');
    expect(row(pushed)).toContain(member.email);
    expect(row(pushed)).toContain('SCIM');
    expect(row(pushed)).toContain(`/admin/apps/${app.client_id}`);
    expect(row(byHand)).toContain('Set by hand');
    expect(row(byHand)).toContain('1 member');
  });
});

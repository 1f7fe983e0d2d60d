// The console's access editor: an app's rule is set on the app form (users by email), shown on
// the app's page, and refused next to its field when a listed user does not exist.
import { describe, expect, it } from 'vitest';
import { admin, Browser, createUser, hiddenFields, ORIGIN, PASSWORD, unique } from '../helpers';

async function consoleAdmin() {
  const boss = await createUser({ roles: ['admin'] });
  const browser = new Browser();
  await browser.submitLogin(await (await browser.fetch('/login')).text(), boss.email, PASSWORD);
  return browser;
}

const post = (browser: Browser, path: string, fields: Record<string, string>) =>
  browser.fetch(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }, body: new URLSearchParams(fields) });

describe('the console app form: Access', () => {
  it('restricts an app to groups and users by email, shows the rule, edits it back to everyone', async () => {
    const browser = await consoleAdmin();
    const member = await createUser();
    const csrf = hiddenFields(await (await browser.fetch('/admin/apps/new?type=jwt_sso')).text()).csrf!;
    const clientId = unique('acl');
    const base = { csrf, name: 'Payroll', redirect_urls: 'https://payroll.example.com/cb', client_id: clientId, signing_alg: 'HS256', response_mode: 'query', token_ttl_seconds: '300' };

    const refused = await post(browser, '/admin/apps/new', { ...base, access: 'restricted', 'access.groups': 'payroll', 'access.users': 'ghost@example.com' });
    expect(refused.status).toBe(400);
    const refusedHtml = await refused.text();
    expect(refusedHtml).toMatch(/id="access\.users-error">names no user: &quot;ghost@example\.com&quot;/);

    const empty = await post(browser, '/admin/apps/new', { ...base, access: 'restricted', 'access.groups': '', 'access.users': '' });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toMatch(/id="access-error">[^<]*no one could open the app/);

    const created = await post(browser, '/admin/apps/new', { ...base, access: 'restricted', 'access.groups': 'payroll\nfinance team', 'access.users': member.email });
    expect(created.status).toBe(303);
    const api = (await (await admin('GET', `/apps/${clientId}`)).json()) as { access: unknown };
    expect(api.access).toEqual({ groups: ['payroll', 'finance team'], users: [member.id] });

    const overview = await (await browser.fetch(`/admin/apps/${clientId}`)).text();
    expect(overview).toContain(`<dt>Access</dt><dd>Only group payroll, group finance team, ${member.email}</dd>`);
    const edit = await (await browser.fetch(`/admin/apps/${clientId}/edit`)).text();
    expect(edit).toMatch(/<option value="restricted" selected="">/);
    expect(edit).toContain(`>${member.email}</textarea>`);

    const editCsrf = hiddenFields(edit).csrf!;
    const { client_id: _omit, ...fields } = base;
    const saved = await post(browser, `/admin/apps/${clientId}/edit`, { ...fields, csrf: editCsrf, access: 'everyone' });
    expect(saved.status).toBe(303);
    expect(((await (await admin('GET', `/apps/${clientId}`)).json()) as { access: unknown }).access).toBe('everyone');
    expect(await (await browser.fetch(`/admin/apps/${clientId}`)).text()).toContain('<dt>Access</dt><dd>Everyone who can sign in</dd>');
  });
});

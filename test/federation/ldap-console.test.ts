// The console for directory sources, through its real routes: the add form has the directory's
// fields (checkboxes for its switches, no client ID or scopes), saving through it stores the
// bind password sealed and never shows it again, and the login page of a directory is the
// labelled form (login name or email) that posts to /login with the source.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/db/client';
import { getSource } from '../../src/federation/store';
import { Browser, createUser, hiddenFields, ORIGIN, PASSWORD, unique } from '../helpers';
import { keyring } from '../../src/lib/secret-box';

async function signedInAdmin() {
  const user = await createUser({ roles: ['admin'] });
  const browser = new Browser();
  expect((await browser.signInThrough('/admin/apps', user.email, PASSWORD)).status).toBe(200);
  return browser;
}

describe('console: directory sources', () => {
  it('adds an LDAP source through the form; the bind password is sealed and never shown', async () => {
    const browser = await signedInAdmin();
    const form = await (await browser.fetch('/admin/identity-sources/new?type=ldap')).text();
    expect(form).toContain('name="bind_password"');
    expect(form).toContain('type="checkbox" id="start_tls"');
    expect(form).toContain('type="checkbox" id="use_for_password_login"');
    expect(form).not.toContain('name="client_id"');
    expect(form).not.toContain('name="scopes"');
    const slug = unique('dir').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40);
    const res = await browser.fetch('/admin/identity-sources/new?type=ldap', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams({
        ...hiddenFields(form),
        name: 'Corp Directory',
        slug,
        enabled: 'on',
        url: 'ldap://ldap.corp.example:389',
        start_tls: 'on',
        bind_dn: 'cn=svc,dc=corp,dc=example',
        bind_password: 'sealed-bind-password',
        user_base_dn: 'ou=people,dc=corp,dc=example',
        user_filter: '(|(uid={login})(mail={login}))',
        timeout_ms: '4000',
        use_for_password_login: 'on',
      }),
    });
    expect(res.status, (await res.clone().text()).slice(0, 2000)).toBe(303);
    const stored = await getSource(database(env.DB), keyring(env), slug);
    expect(stored?.source.config).toMatchObject({ start_tls: true, timeout_ms: 4000, use_for_password_login: true, url: 'ldap://ldap.corp.example:389' });
    expect(stored?.secrets).toEqual({ bind_password: 'sealed-bind-password' });
    const view = await (await browser.fetch(`/admin/identity-sources/${slug}`)).text();
    expect(view).toContain('set (hidden)');
    expect(view).not.toContain('sealed-bind-password');
    expect(view).not.toContain('Redirect URI');
    const edit = await (await browser.fetch(`/admin/identity-sources/${slug}/edit`)).text();
    expect(edit).not.toContain('sealed-bind-password');
    expect(edit).toMatch(/id="start_tls"[^>]*checked/);

    // Its login form: labelled with the source, a login name or email, posting the source along.
    const visitor = new Browser();
    const start = await visitor.fetch(`/federation/${slug}/start`);
    expect(start.status).toBe(303);
    expect(start.headers.get('location')).toBe(`/login?source=${slug}`);
    const login = await (await visitor.fetch(start.headers.get('location')!)).text();
    expect(login).toContain('<h1>Sign in with Corp Directory</h1>');
    expect(login).toContain('Username or email');
    expect(login).toContain('id="email" name="email" type="text"');
    expect(login).toContain(`<input type="hidden" name="source" value="${slug}"/>`);
    expect(login).not.toContain('Continue with');
  });
});

describe('console: directory Test connection', () => {
  it('the GET only shows a form; connecting is a CSRF-checked POST', async () => {
    const browser = await signedInAdmin();
    const slug = unique('dirtest').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40);
    const created = await browser.fetch('/admin/identity-sources/new?type=ldap');
    const form = hiddenFields(await created.text());
    const saved = await browser.fetch('/admin/identity-sources/new?type=ldap', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams({ ...form, name: 'Unreachable', slug, enabled: 'on', url: 'ldap://127.0.0.1:1', bind_dn: 'cn=svc', bind_password: 'x', user_base_dn: 'dc=x' }),
    });
    expect(saved.status).toBe(303);
    const before = await env.DB.prepare("select count(*) as n from audit_events where type = 'source.test' and target = ?").bind(slug).first<{ n: number }>();

    const page = await browser.fetch(`/admin/identity-sources/${slug}/test?login=alice`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`action="/admin/identity-sources/${slug}/test"`);
    expect(html).not.toContain('id="test-result"');

    // Another site's form (no CSRF token) is refused before anything is contacted.
    const forged = await browser.fetch(`/admin/identity-sources/${slug}/test`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }, body: 'login=alice' });
    expect(forged.status).toBe(403);
    const after = await env.DB.prepare("select count(*) as n from audit_events where type = 'source.test' and target = ?").bind(slug).first<{ n: number }>();
    expect(after!.n).toBe(before!.n);

    const run = await browser.fetch(`/admin/identity-sources/${slug}/test`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams({ ...hiddenFields(html), login: 'alice' }),
    });
    expect(run.status).toBe(502);
    expect(await run.text()).toContain('The test failed');
  });
});

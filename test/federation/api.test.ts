// The identity sources admin API and the pieces of the sign-in that need no upstream: validation,
// secrets never returned, the discovery check's refusals, per-app primary source and ?idp=, the
// login page's buttons, and callbacks that no browser started. Flows against a real OpenID
// Provider are in test/e2e/federation.test.ts.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/db/client';
import { parseNewSource } from '../../src/federation/input';
import { createSource } from '../../src/federation/store';
import { seal } from '../../src/lib/secret-box';
import { nowSeconds } from '../../src/lib/time';
import { admin, auditUntil, call, createApp, createUser, unique } from '../helpers';
import { keyring } from '../../src/lib/secret-box';

/** A source stored directly (its issuer is never contacted here), as the API would after a successful discovery check. */
async function storedSource(fields: Record<string, unknown> = {}) {
  const slug = unique('src').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40);
  const input = parseNewSource({ type: 'oidc', slug, name: 'Acme IdP', issuer: 'https://idp.acme.test', client_id: 'edge', client_secret: 'upstream-secret-value', ...fields });
  return (await createSource(database(env.DB), keyring(env), input)).source;
}

describe('POST /api/admin/identity-sources validation', () => {
  it('names every invalid field at once', async () => {
    const res = await admin('POST', '/identity-sources', {
      type: 'oidc',
      slug: 'Not A Slug',
      issuer: 'ftp://idp.example.com',
      scopes: ['email'],
      allowed_domains: ['not a domain'],
      provisioning: 'sometimes',
      group_map: { claim: 'groups', colour: 'blue' },
      claim_map: { email: 'has space' },
      enabled: 'yes',
      redirect_url: 'https://x',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { fields: Record<string, string> };
    expect(Object.keys(body.fields).sort()).toEqual(
      ['allowed_domains', 'claim_map', 'client_id', 'client_secret', 'enabled', 'group_map', 'issuer', 'provisioning', 'redirect_url', 'scopes', 'slug'].sort(),
    );
    expect(body.fields.scopes).toContain('openid');
    expect(body.fields.issuer).toContain('https');
  });

  it('requires a known type and lists the choices', async () => {
    for (const body of [{}, { type: 'cas' }]) {
      const res = await admin('POST', '/identity-sources', body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { fields: Record<string, string> }).fields.type).toContain('oidc');
    }
  });

  it('refuses the slug "new", which the console uses as a path', async () => {
    const res = await admin('POST', '/identity-sources', { type: 'oidc', slug: 'new', issuer: 'https://idp.example.com', client_id: 'a', client_secret: 'b' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { fields: Record<string, string> }).fields.slug).toContain('reserved');
  });

  it('refuses plain http issuers except on loopback', async () => {
    const res = await admin('POST', '/identity-sources', { type: 'oidc', issuer: 'http://idp.example.com', client_id: 'a', client_secret: 'b' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { fields: Record<string, string> }).fields.issuer).toMatch(/https.*127\.0\.0\.1/);
  });

  it('answers 400 naming the issuer when its discovery document cannot be fetched', async () => {
    const res = await admin('POST', '/identity-sources', { type: 'oidc', issuer: 'http://127.0.0.1:9/nothing-listens', client_id: 'a', client_secret: 'b' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { fields: Record<string, string> };
    expect(body.fields.issuer).toContain('http://127.0.0.1:9/nothing-listens');
    expect(body.fields.issuer).toMatch(/could not be reached|discovery/);
  });

  it('refuses a non-JSON body with 415', async () => {
    const res = await admin('POST', '/identity-sources', undefined, { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
  });
});

describe('reading, changing and deleting sources', () => {
  it('never returns secrets, and shows the redirect URI to register', async () => {
    const source = await storedSource();
    for (const res of [await admin('GET', `/identity-sources/${source.slug}`), await admin('GET', '/identity-sources')]) {
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).not.toContain('upstream-secret-value');
      expect(text).toContain(`https://sso.test/federation/${source.slug}/callback`);
    }
    const body = (await (await admin('GET', `/identity-sources/${source.slug}`)).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ type: 'oidc', issuer: 'https://idp.acme.test', scopes: ['openid', 'email', 'profile'], provisioning: 'create', secrets_set: ['client_secret'], show_on_login_page: true });
    expect(body).not.toHaveProperty('client_secret');
  });

  it('patches settings, keeps the type and slug, audits the change', async () => {
    const source = await storedSource();
    const res = await admin('PATCH', `/identity-sources/${source.slug}`, {
      name: 'Acme Workforce',
      group_map: { claim: 'roles', prefix: 'acme:', rename: { Admins: 'admins' } },
      trust_email_for_linking: true,
      client_secret: 'rotated-secret',
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('rotated-secret');
    expect(JSON.parse(text)).toMatchObject({ name: 'Acme Workforce', group_map: { claim: 'roles', prefix: 'acme:', rename: { Admins: 'admins' } }, trust_email_for_linking: true });
    const refused = await admin('PATCH', `/identity-sources/${source.slug}`, { type: 'google' });
    expect(refused.status).toBe(400);
    const events = await auditUntil(`type=source.update`, (e) => e.some((x) => x.target === source.slug));
    // Old → new per changed field; the new secret only as changed.
    const detail = events.find((x) => x.target === source.slug)!.detail as { changes: Record<string, unknown> };
    expect(detail.changes).toMatchObject({ name: { to: 'Acme Workforce' }, group_map: { to: { claim: 'roles', prefix: 'acme:' } }, client_secret: 'changed' });
    expect(JSON.stringify(detail)).not.toContain('rotated-secret');
  });

  it('deletes a source; apps that used it fall back to the login page', async () => {
    const source = await storedSource();
    const app = await createApp({ identity_source: source.slug });
    expect(app.identity_source).toBe(source.slug);
    expect((await admin('DELETE', `/identity-sources/${source.slug}`)).status).toBe(204);
    expect((await admin('GET', `/identity-sources/${source.slug}`)).status).toBe(404);
    expect(((await (await admin('GET', `/apps/${app.client_id}`)).json()) as { identity_source: unknown }).identity_source).toBeNull();
    expect((await admin('DELETE', `/identity-sources/${source.slug}`)).status).toBe(404);
  });
});

describe('per-app primary source and ?idp=', () => {
  it('refuses an app identity_source that names no source', async () => {
    const res = await admin('POST', '/apps', { name: 'A', redirect_urls: ['https://app.example.com/cb'], identity_source: 'no-such-source' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { fields: Record<string, string> }).fields.identity_source).toContain('no-such-source');
  });

  it('sends the SSO URL of an app with a primary source straight to that source, keeping the pending sign-in', async () => {
    const source = await storedSource();
    const app = await createApp({ identity_source: source.slug });
    const res = await call(`/sso/jwt/${app.client_id}?redirect_uri=${encodeURIComponent(app.redirect_urls[0]!)}&state=s1`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(new RegExp(`^/federation/${source.slug}/start\\?flow=[A-Za-z0-9_-]+$`));
  });

  it('accepts ?idp=<slug> on any app, and forwards prompt=login upstream', async () => {
    const source = await storedSource();
    const app = await createApp();
    const res = await call(`/sso/jwt/${app.client_id}?idp=${source.slug}&prompt=login`);
    expect(res.headers.get('location')).toMatch(new RegExp(`^/federation/${source.slug}/start\\?flow=.+&prompt=login$`));
    const bad = await call(`/sso/jwt/${app.client_id}?idp=../../admin`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('idp must be the slug');
  });

  it('the login page offers "Continue with" for enabled sources marked for it', async () => {
    const shown = await storedSource({ name: 'Shown Corp IdP' });
    await storedSource({ name: 'Hidden Corp IdP', show_on_login_page: false });
    await storedSource({ name: 'Disabled Corp IdP', enabled: false });
    const html = await (await call('/login')).text();
    expect(html).toContain('Continue with Shown Corp IdP');
    expect(html).toContain(`href="/federation/${shown.slug}/start"`);
    expect(html).not.toContain('Hidden Corp IdP');
    expect(html).not.toContain('Disabled Corp IdP');
  });
});

describe('the upstream flow without an upstream', () => {
  it('answers 404 for an unknown or disabled source', async () => {
    const disabled = await storedSource({ enabled: false });
    for (const slug of ['no-such-source', disabled.slug, 'BAD%20SLUG']) {
      const res = await call(`/federation/${slug}/start`);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('Sign-in option not available');
    }
  });

  it('answers a clear 502 page (never a 500) when the provider cannot be reached', async () => {
    const source = await storedSource({ issuer: 'https://127.0.0.1:9' });
    const res = await call(`/federation/${source.slug}/start`);
    expect(res.status).toBe(502);
    expect(await res.text()).toContain('could not be reached');
    expect(res.headers.getSetCookie().join()).not.toContain('edge-sso-fed');
  });

  it('refuses a callback no browser started (no cookie), GET or POST, with a clear 400', async () => {
    const source = await storedSource();
    // An address of its own: only an address's first anonymous failure is written (src/login/anonymous.ts).
    const ip = `192.0.2.${1 + Math.floor(Math.random() * 250)}`;
    const get = await call(`/federation/${source.slug}/callback?code=stolen&state=guess`, { headers: { 'cf-connecting-ip': ip } });
    expect(get.status).toBe(400);
    expect(await get.text()).toContain('does not belong to a sign-in started in this browser');
    const post = await call(`/federation/${source.slug}/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'cf-connecting-ip': ip },
      body: 'code=stolen&state=guess',
    });
    expect(post.status).toBe(400);
    const events = await auditUntil('type=login.failure', (e) => e.some((x) => x.detail.source === source.slug));
    expect(events.find((x) => x.detail.source === source.slug)!.detail).toMatchObject({ reason: 'no_attempt' });
  });

  it('refuses a forged attempt cookie', async () => {
    const source = await storedSource();
    const res = await call(`/federation/${source.slug}/callback?code=c&state=s`, { headers: { cookie: '__Host-edge-sso-fed=v1.AAAA.BBBB' } });
    expect(res.status).toBe(400);
  });

  it('shows a Test connection result only to the admin who started it, even without the session cookie (form_post)', async () => {
    const source = await storedSource({ issuer: 'https://127.0.0.1:9' });
    const attemptCookie = async (testBy: string) => {
      const attempt = { slug: source.slug, state: 'st', nonce: 'n', code_verifier: 'v'.repeat(43), test_by: testBy, exp: nowSeconds() + 600 };
      return `__Host-edge-sso-fed=${await seal(keyring(env), JSON.stringify(attempt), 'federation-attempt:v1')}`;
    };
    const post = async (cookie: string) =>
      call(`/federation/${source.slug}/callback`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'code=c&state=st' });

    const user = await createUser();
    const refused = await post(await attemptCookie(user.id));
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('only to the admin who started the test');

    const adminUser = await createUser({ roles: ['admin'] });
    const shown = await post(await attemptCookie(adminUser.id));
    const html = await shown.text();
    // The provider cannot be reached here, so the admin sees why the test failed.
    expect(shown.status).toBe(400);
    expect(html).toContain('The test failed');
    expect(html).toContain(adminUser.email);
  });
});

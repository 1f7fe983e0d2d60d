// Add application, guided by type: step one asks what kind of app it is, each kind's form shows
// only its fields with its defaults, and the overview shows that kind's settings.
import { describe, expect, it } from 'vitest';
import { admin, Browser, createUser, hiddenFields, ORIGIN, PASSWORD, unique } from '../helpers';

async function adminBrowser(): Promise<Browser> {
  const user = await createUser({ roles: ['admin'] });
  const browser = new Browser();
  expect((await browser.signInThrough('/admin/apps', user.email, PASSWORD)).status).toBe(200);
  return browser;
}

const text = (res: Response) => res.text();
const names = (html: string) => [...html.matchAll(/<(?:input|select|textarea)[^>]* name="([^"]+)"/g)].map((m) => m[1]!);

/** What a browser would send of a form left as it is: hidden fields, each select's chosen option, ticked boxes. */
function asSent(form: string): Record<string, string> {
  const selects = [...form.matchAll(/<select id="[^"]+" name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)].map((m) => [m[1]!, /<option value="([^"]*)" selected/.exec(m[2]!)?.[1] ?? ''] as const);
  const ticked = [...form.matchAll(/<input type="checkbox" id="[^"]+" name="([^"]+)" value="([^"]*)" checked/g)].map((m) => [m[1]!, m[2]!] as const);
  return { ...hiddenFields(form), ...Object.fromEntries(selects), ...Object.fromEntries(ticked) };
}

/** Opens a kind's form and submits it as a browser would, with `fields` filled in. */
async function create(browser: Browser, kind: string, fields: Record<string, string>) {
  const form = await text(await browser.fetch(`/admin/apps/new?type=${kind}`));
  const body = new URLSearchParams({ ...asSent(form), ...fields });
  return browser.fetch('/admin/apps/new', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }, body });
}

describe('Add application by kind', () => {
  it('asks for the kind first (no script needed), sends SAML to its own form, and refuses an unknown kind', async () => {
    const browser = await adminBrowser();
    const chooser = await text(await browser.fetch('/admin/apps/new'));
    expect(chooser).toContain('<form method="get" action="/admin/apps/new"');
    expect([...chooser.matchAll(/<input type="radio" id="[^"]+" name="type" value="([^"]+)"/g)].map((m) => m[1])).toEqual(['jwt_sso', 'oidc_web', 'oidc_public', 'saml']);
    expect(chooser).toContain('JWT SSO (Flask and similar)');
    expect(names(chooser)).not.toContain('redirect_urls');

    const saml = await browser.fetch('/admin/apps/new?type=saml');
    expect(saml.status).toBe(303);
    expect(saml.headers.get('location')).toBe('/admin/apps/new-saml');
    const unknown = await browser.fetch('/admin/apps/new?type=ldap');
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('Choose one of the kinds below.');
  });

  it('each kind’s form shows only its fields, with its defaults', async () => {
    const browser = await adminBrowser();
    const jwt = await text(await browser.fetch('/admin/apps/new?type=jwt_sso'));
    expect(names(jwt)).toEqual(expect.arrayContaining(['kind', 'name', 'redirect_urls', 'signing_alg', 'response_mode']));
    expect(names(jwt)).not.toContain('token_endpoint_auth_method');
    expect(names(jwt)).not.toContain('backchannel_logout_uri');
    expect(jwt).toMatch(/<option value="HS256" selected/);

    const web = await text(await browser.fetch('/admin/apps/new?type=oidc_web'));
    expect(names(web)).toEqual(expect.arrayContaining(['token_endpoint_auth_method', 'require_pkce', 'backchannel_logout_uri']));
    expect(names(web)).not.toContain('response_mode');
    expect(web).toMatch(/<option value="RS256" selected/);
    expect(web).not.toContain('<option value="none"');

    const spa = await text(await browser.fetch('/admin/apps/new?type=oidc_public'));
    expect(names(spa)).not.toContain('token_endpoint_auth_method');
    expect(names(spa)).not.toContain('response_mode');
    expect(spa).not.toContain('<option value="HS256"');
    expect(spa).toMatch(/<option value="ES256" selected/);
    expect(spa).toContain('token endpoint authentication is “none”');
  });

  it('a single-page app is a public client (no secret, PKCE, ES256); its overview shows the OIDC settings, not the SSO URL', async () => {
    const browser = await adminBrowser();
    const clientId = unique('spa');
    const created = await create(browser, 'oidc_public', { name: 'SPA', redirect_urls: 'https://spa.example.com/cb', client_id: clientId });
    expect(created.status, await created.clone().text()).toBe(303);
    const json = await (await admin('GET', `/apps/${clientId}`)).json<Record<string, unknown>>();
    expect(json).toMatchObject({ kind: 'oidc_public', token_endpoint_auth_method: 'none', signing_alg: 'ES256', require_pkce: true });

    const overview = await text(await browser.fetch(`/admin/apps/${clientId}`));
    expect(overview).toContain('<dd id="app-kind">Single-page or native app</dd>');
    expect(overview).toContain('id="discovery-url"');
    expect(overview).toContain('none: a public client, proven by PKCE');
    expect(overview).toContain('Required (S256)');
    expect(overview).not.toContain('id="sso-url"');
    expect(overview).not.toContain('Reveal');

    // HS256 would need the secret a public client cannot keep: refused next to the field.
    const hs = await create(browser, 'oidc_public', { name: 'SPA2', redirect_urls: 'https://spa.example.com/cb', signing_alg: 'HS256' });
    expect(hs.status).toBe(400);
    expect(await hs.text()).toMatch(/<p class="field-error" id="signing_alg-error">[^<]*RS256 or ES256/);
  });

  it('an OIDC web app shows its discovery URL, token endpoint authentication and back-channel logout URL; the secret is its token endpoint credential', async () => {
    const browser = await adminBrowser();
    const clientId = unique('web');
    const created = await create(browser, 'oidc_web', {
      name: 'Web',
      redirect_urls: 'https://web.example.com/cb',
      client_id: clientId,
      token_endpoint_auth_method: 'client_secret_post',
      backchannel_logout_uri: 'https://web.example.com/bc',
    });
    expect(created.status, await created.clone().text()).toBe(303);
    const overview = await text(await browser.fetch(`/admin/apps/${clientId}`));
    expect(overview).toContain('<dd id="app-kind">OpenID Connect web app</dd>');
    expect(overview).toContain(`${ORIGIN}/.well-known/openid-configuration`);
    expect(overview).toMatch(/<dd id="token-endpoint-auth">client_secret_post: /);
    expect(overview).toContain('<dd id="backchannel-logout"><code>https://web.example.com/bc</code></dd>');
    expect(overview).toMatch(/<p class="hint" id="client-secret-hint">The app’s credential at the token endpoint \(client_secret_post\)/);
    expect(overview).not.toContain('Not used');
    expect(overview).not.toContain('id="sso-url"');
    expect(await (await admin('GET', `/apps/${clientId}`)).json()).toMatchObject({ kind: 'oidc_web', signing_alg: 'RS256', require_pkce: true });

    // A web app has a secret: "none" is refused (a public client is the other kind).
    const none = await create(browser, 'oidc_web', { name: 'Web2', redirect_urls: 'https://web.example.com/cb', token_endpoint_auth_method: 'none' });
    expect(none.status).toBe(400);
  });

  it('a JWT SSO app shows its SSO URL and the Flask snippet, and no OIDC settings', async () => {
    const browser = await adminBrowser();
    const clientId = unique('jwt');
    const created = await create(browser, 'jwt_sso', { name: 'Flask app', redirect_urls: 'https://flask.example.com/cb', client_id: clientId });
    expect(created.status, await created.clone().text()).toBe(303);
    const overview = await text(await browser.fetch(`/admin/apps/${clientId}`));
    expect(overview).toContain('<dd id="app-kind">JWT SSO (Flask and similar)</dd>');
    expect(overview).toContain(`${ORIGIN}/sso/jwt/${clientId}`);
    expect(overview).toContain('id="flask-snippet"');
    expect(overview).not.toContain('id="discovery-url"');
    expect(overview).toContain('It signs this app’s tokens (HS256)');
    expect(await (await admin('GET', `/apps/${clientId}`)).json()).toMatchObject({ kind: 'jwt_sso', signing_alg: 'HS256', response_mode: 'query' });
  });

  it('the kind’s POST is CSRF-checked, and the admin API refuses a public client with a secret method', async () => {
    const browser = await adminBrowser();
    const refused = await browser.fetch('/admin/apps/new', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams({ kind: 'oidc_public', name: 'No token', redirect_urls: 'https://spa.example.com/cb' }),
    });
    expect(refused.status).toBe(403);
    const api = await admin('POST', '/apps', { name: 'API SPA', redirect_urls: ['https://spa.example.com/cb'], kind: 'oidc_public', signing_alg: 'ES256', token_endpoint_auth_method: 'client_secret_basic' });
    expect(api.status).toBe(400);
    expect(JSON.stringify(await api.json())).toContain('token_endpoint_auth_method');
  });

  it('an edit cannot break the kind’s rules either: no HS256 or secret method for a public client, no "none" for a web app', async () => {
    const spa = (await (await admin('POST', '/apps', { name: 'SPA edit', redirect_urls: ['https://spa.example.com/cb'], kind: 'oidc_public', signing_alg: 'ES256' })).json()) as { client_id: string };
    for (const change of [{ signing_alg: 'HS256' }, { token_endpoint_auth_method: 'client_secret_basic' }]) {
      const res = await admin('PATCH', `/apps/${spa.client_id}`, change);
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain(Object.keys(change)[0]!);
    }
    const web = (await (await admin('POST', '/apps', { name: 'Web edit', redirect_urls: ['https://web.example.com/cb'], kind: 'oidc_web', signing_alg: 'ES256' })).json()) as { client_id: string };
    const none = await admin('PATCH', `/apps/${web.client_id}`, { token_endpoint_auth_method: 'none' });
    expect(none.status).toBe(400);
    // Nothing was written; an edit within the rules still works.
    expect(await (await admin('GET', `/apps/${spa.client_id}`)).json()).toMatchObject({ signing_alg: 'ES256', token_endpoint_auth_method: 'none' });
    expect(await (await admin('GET', `/apps/${web.client_id}`)).json()).toMatchObject({ token_endpoint_auth_method: 'client_secret_basic' });
    expect((await admin('PATCH', `/apps/${spa.client_id}`, { name: 'SPA renamed', signing_alg: 'RS256' })).status).toBe(200);
  });
});

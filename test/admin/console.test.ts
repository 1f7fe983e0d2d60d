// The admin console at /admin as an admin uses it in a browser: the gate (sessions, admin role,
// CSRF), applications (forms, secret reveal and rotation, Test SSO, integration, PEM) and users
// (forms, access, sessions), and the audit page.
import { createLocalJWKSet, importSPKI, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { admin, auditUntil, Browser, call, createApp, createUser, delivered, hiddenFields, ORIGIN, PASSWORD, unique } from '../helpers';

const CSRF_COOKIE = '__Host-edge-sso-csrf';
const json = <T = Record<string, unknown>>(res: Response) => res.json<T>();

function decode(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The error shown next to a form field, decoded; undefined when the field has none. */
function fieldError(html: string, name: string): string | undefined {
  const m = new RegExp(`<p class="field-error" id="${escapeRe(name)}-error">([^<]*)</p>`).exec(html);
  return m ? decode(m[1]!) : undefined;
}
function inputValue(html: string, name: string): string | undefined {
  const m = new RegExp(`<input id="${escapeRe(name)}" name="${escapeRe(name)}"[^>]*? value="([^"]*)"`).exec(html);
  return m ? decode(m[1]!) : undefined;
}
function textareaValue(html: string, name: string): string | undefined {
  const m = new RegExp(`<textarea id="${escapeRe(name)}" name="${escapeRe(name)}"[^>]*>([^<]*)</textarea>`).exec(html);
  return m ? decode(m[1]!) : undefined;
}

/** A user with the admin role, signed in to the console in their own browser. */
async function signedInAdmin(fields: Record<string, unknown> = {}) {
  const user = await createUser({ roles: ['admin'], ...fields });
  const browser = new Browser();
  const res = await browser.signInThrough('/admin/apps', user.email, PASSWORD);
  expect(res.status).toBe(200);
  return { browser, user };
}

/** A user (no admin role) signed in through an app's SSO URL in their own browser. */
async function signedInUser(fields: Record<string, unknown> = {}) {
  const user = await createUser(fields);
  const app = await createApp();
  const browser = new Browser();
  const { params } = await delivered(await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD));
  expect(params.id_token).toBeTruthy();
  return { user, app, browser };
}

async function page(browser: Browser, path: string, status = 200): Promise<string> {
  const res = await browser.fetch(path);
  const html = await res.text();
  expect(res.status, html.slice(0, 400)).toBe(status);
  return html;
}

function postForm(browser: Browser, path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return browser.fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, ...headers },
    body: new URLSearchParams(fields),
  });
}

/** Opens the page holding a form, then submits it with the CSRF token that page carries. */
async function submit(browser: Browser, formPage: string, action: string, fields: Record<string, string>) {
  const csrf = hiddenFields(await page(browser, formPage)).csrf;
  expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return postForm(browser, action, { csrf: csrf!, ...fields });
}

/** Audit events are written after the response: re-read the log (bounded) until `ready` holds. */

async function isSignedIn(browser: Browser, clientId: string): Promise<boolean> {
  const res = await browser.fetch(`/sso/jwt/${clientId}?state=check`);
  if (res.status === 303 && res.headers.get('location')!.startsWith('/login')) return false;
  const { params } = await delivered(res);
  return Boolean(params.id_token);
}

async function apiUser(id: string) {
  const res = await admin('GET', `/users/${id}`);
  return { status: res.status, user: res.status === 200 ? await json(res) : null };
}

// --- The gate ---------------------------------------------------------------------------------

describe('the console gate', () => {
  it('sends a visitor without a session to the login page, and back to the console page they asked for after sign-in', async () => {
    const user = await createUser({ roles: ['admin'] });
    const browser = new Browser();
    const first = await browser.fetch('/admin/users?q=ada');
    expect(first.status).toBe(303);
    const login = first.headers.get('location')!;
    expect(login).toMatch(/^\/login\?flow=[A-Za-z0-9_-]+$/);
    const form = await page(browser, login);
    const res = await browser.submitLogin(form, user.email, PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/users?q=ada');
    const html = await page(browser, '/admin/users?q=ada');
    expect(html).toContain('<h1>Users</h1>');
    expect(html).toContain('<input type="search" id="q" name="q" value="ada"');
  });

  it('sends a POST without a session back to /admin and changes nothing', async () => {
    const clientId = unique('nosession');
    const res = await postForm(new Browser(), '/admin/apps/new', { name: 'x', redirect_urls: 'https://a.example.com/cb', client_id: clientId });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin');
    expect((await admin('GET', `/apps/${clientId}`)).status).toBe(404);
  });

  it('refuses a signed-in user without the admin role with 403 "Admins only", on GET and on POST', async () => {
    const { user, browser } = await signedInUser();
    for (const path of ['/admin', '/admin/apps', '/admin/users', '/admin/audit', '/admin/keys']) {
      const html = await page(browser, path, 403);
      expect(html).toContain('Admins only');
      expect(html).toContain(user.email);
    }
    const clientId = unique('nonadmin');
    const res = await postForm(browser, '/admin/apps/new', {
      csrf: browser.cookies.get(CSRF_COOKIE)!,
      name: 'Sneaky',
      redirect_urls: 'https://a.example.com/cb',
      client_id: clientId,
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Admins only');
    expect((await admin('GET', `/apps/${clientId}`)).status).toBe(404);
    const victim = await createUser();
    expect((await postForm(browser, `/admin/users/${victim.id}/disable`, { csrf: browser.cookies.get(CSRF_COOKIE)! })).status).toBe(403);
    expect((await apiUser(victim.id)).user).toMatchObject({ disabled: false });
  });

  it('refuses a POST without the CSRF token, with a wrong one, or from another origin, with 403, and changes nothing', async () => {
    const { browser } = await signedInAdmin();
    const csrf = hiddenFields(await page(browser, '/admin/apps/new?type=jwt_sso')).csrf!;
    const victim = await createUser();
    const attempts: [Record<string, string>, Record<string, string>][] = [
      [{}, {}],
      [{ csrf: '' }, {}],
      [{ csrf: 'wrong' }, {}],
      [{ csrf: 'A'.repeat(43) }, {}],
      [{ csrf }, { origin: 'https://evil.example.com' }],
      [{ csrf }, { 'sec-fetch-site': 'cross-site' }],
    ];
    for (const [token, headers] of attempts) {
      const clientId = unique('csrf');
      const res = await postForm(browser, '/admin/apps/new', { ...token, name: 'CSRF', redirect_urls: 'https://a.example.com/cb', client_id: clientId }, headers);
      expect(res.status).toBe(403);
      expect((await admin('GET', `/apps/${clientId}`)).status).toBe(404);
      expect((await postForm(browser, `/admin/users/${victim.id}/disable`, token, headers)).status).toBe(403);
    }
    expect((await apiUser(victim.id)).user).toMatchObject({ disabled: false });
    // The same token, sent properly, works: the refusals were about the token, not the session.
    const res = await postForm(browser, `/admin/users/${victim.id}/disable`, { csrf });
    expect(res.status).toBe(303);
    expect((await apiUser(victim.id)).user).toMatchObject({ disabled: true });
  });

  it('takes the console away from an admin whose admin role is removed through the API, on their next request', async () => {
    const { browser, user } = await signedInAdmin();
    await page(browser, '/admin/users');
    const res = await admin('PATCH', `/users/${user.id}`, { roles: [] });
    expect(res.status).toBe(200);
    expect(await page(browser, '/admin/users', 403)).toContain('Admins only');
    // Given back, it works again in the same session.
    await admin('PATCH', `/users/${user.id}`, { roles: ['admin'] });
    await page(browser, '/admin/users');
  });
});

// --- Applications -------------------------------------------------------------------------------

const validApp = {
  name: 'Console App',
  description: '',
  redirect_urls: 'https://app.example.com/callback',
  logout_urls: '',
  signing_alg: 'HS256',
  response_mode: 'query',
  token_ttl_seconds: '300',
  attribute_map: '',
  'branding.product_name': '',
  'branding.logo_url': '',
  'branding.primary_color': '',
  'branding.footer_text': '',
  'branding.footer_url': '',
};

describe('applications in the console', () => {
  it('creates an app from the form with every field, then opens its page with the secret hidden until Reveal', async () => {
    const { browser } = await signedInAdmin();
    const clientId = unique('console');
    const res = await submit(browser, '/admin/apps/new?type=jwt_sso', '/admin/apps/new', {
      ...validApp,
      client_id: clientId,
      name: 'Billing portal',
      description: 'Invoices & payments',
      redirect_urls: 'https://billing.example.com/sso\r\nhttps://billing.example.com/other; http://localhost:3000/cb\n',
      logout_urls: 'https://billing.example.com/bye',
      signing_alg: 'RS256',
      response_mode: 'form_post',
      token_ttl_seconds: '600',
      attribute_map: 'first_name = given_name\r\nteam=groups\n',
      'branding.product_name': 'Acme Billing',
      'branding.primary_color': '#112233',
      'branding.logo_url': 'https://cdn.example.com/logo.png',
      'branding.footer_text': 'Help',
      'branding.footer_url': 'https://help.example.com/',
    });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!, ORIGIN);
    expect(location.pathname).toBe(`/admin/apps/${clientId}`);
    expect(location.searchParams.get('notice')).toBe('created');
    expect(location.searchParams.get('reveal')).toBeNull();

    const app = await json(await admin('GET', `/apps/${clientId}`));
    expect(app).toMatchObject({
      name: 'Billing portal',
      description: 'Invoices & payments',
      redirect_urls: ['https://billing.example.com/sso', 'https://billing.example.com/other', 'http://localhost:3000/cb'],
      logout_urls: ['https://billing.example.com/bye'],
      signing_alg: 'RS256',
      response_mode: 'form_post',
      token_ttl_seconds: 600,
      attribute_map: { first_name: 'given_name', team: 'groups' },
      branding: {
        product_name: 'Acme Billing',
        primary_color: '#112233',
        logo_url: 'https://cdn.example.com/logo.png',
        footer_text: 'Help',
        footer_url: 'https://help.example.com/',
      },
    });

    const shown = await page(browser, location.pathname + location.search);
    const { client_secret } = await json<{ client_secret: string }>(await admin('GET', `/apps/${clientId}/secret`));
    expect(shown).not.toContain(client_secret);
    expect(shown).toContain('Application created');
    const revealed = await (await postForm(browser, `/admin/apps/${clientId}/reveal-secret`, { csrf: hiddenFields(shown).csrf! })).text();
    expect(revealed).toContain(`<code id="client-secret">${client_secret}</code>`);
  });

  it('generates a client id when the field is left empty', async () => {
    const { browser } = await signedInAdmin();
    const res = await submit(browser, '/admin/apps/new?type=jwt_sso', '/admin/apps/new', { ...validApp, client_id: '', name: 'Generated id' });
    expect(res.status).toBe(303);
    const clientId = /^\/admin\/apps\/([a-z0-9]{20})\?/.exec(res.headers.get('location')!)?.[1];
    expect(clientId).toBeTruthy();
    expect(await json(await admin('GET', `/apps/${clientId}`))).toMatchObject({ name: 'Generated id', redirect_urls: ['https://app.example.com/callback'] });
  });

  it.each<[string, Record<string, string>, string, string]>([
    ['an http redirect URL on a public host', { redirect_urls: 'http://app.example.com/cb' }, 'redirect_urls', 'must use https'],
    ['an empty list of redirect URLs', { redirect_urls: '  ' }, 'redirect_urls', 'at least one URL'],
    ['an empty name', { name: '' }, 'name', 'must not be empty'],
    ['a token lifetime of 5 seconds', { token_ttl_seconds: '5' }, 'token_ttl_seconds', 'from 30 to 86400'],
    ['an attribute line without "="', { attribute_map: 'first_name given_name' }, 'attribute_map', 'line 1 should look like "first_name = given_name"'],
    ['an attribute mapped to the reserved claim email', { attribute_map: 'email = given_name' }, 'attribute_map', '"email" is a core claim'],
    ['an attribute from an unknown user field', { attribute_map: 'x_phone = phone' }, 'attribute_map', 'must map to one of'],
    ['the branding colour "red"', { 'branding.primary_color': 'red' }, 'branding.primary_color', 'must be a colour like #2456d6'],
    ['an http logo URL', { 'branding.logo_url': 'http://cdn.example.com/logo.png' }, 'branding.logo_url', 'must be an https URL'],
    ['a bad client id', { client_id: 'a b' }, 'client_id', 'must be 3 to 64'],
  ])('refuses %s with 400, the error next to the field, and the typed values kept', async (_, change, field, message) => {
    const { browser } = await signedInAdmin();
    const clientId = change.client_id ?? unique('invalid');
    const fields = { ...validApp, name: 'Kept "name" & more', description: 'Kept description', client_id: clientId, ...change };
    const res = await submit(browser, '/admin/apps/new?type=jwt_sso', '/admin/apps/new', fields);
    const html = await res.text();
    expect(res.status).toBe(400);
    expect(fieldError(html, field)).toContain(message);
    // Only the invalid field is marked.
    expect([...html.matchAll(/class="field-error"/g)]).toHaveLength(1);
    expect(html).toContain('Please fix the field marked below.');
    expect(inputValue(html, 'name')).toBe(fields.name);
    expect(textareaValue(html, 'description')).toBe('Kept description');
    expect(inputValue(html, 'client_id')).toBe(clientId);
    const kept = field.startsWith('branding.') || field === 'name' || field === 'client_id' || field === 'token_ttl_seconds' ? inputValue(html, field) : textareaValue(html, field);
    expect(kept).toBe(fields[field as keyof typeof fields]!.trim());
    // The form can be sent again: it still carries the CSRF token.
    expect(hiddenFields(html).csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await admin('GET', `/apps/${encodeURIComponent(clientId)}`)).status).toBe(404);
  });

  it('marks every invalid field at once, also when an attribute line cannot be read', async () => {
    const { browser } = await signedInAdmin();
    const res = await submit(browser, '/admin/apps/new?type=jwt_sso', '/admin/apps/new', {
      ...validApp,
      token_ttl_seconds: '5',
      redirect_urls: 'http://app.example.com/cb',
      attribute_map: 'this is not a mapping',
      'branding.primary_color': 'red',
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(fieldError(html, 'attribute_map')).toContain('should look like');
    expect(fieldError(html, 'token_ttl_seconds')).toContain('from 30 to 86400');
    expect(fieldError(html, 'redirect_urls')).toContain('must use https');
    expect(fieldError(html, 'branding.primary_color')).toContain('colour');
  });

  it('refuses a client id already in use with 400 and the error on client_id, leaving the existing app alone', async () => {
    const existing = await createApp({ client_id: unique('taken'), name: 'Original' });
    const { browser } = await signedInAdmin();
    const res = await submit(browser, '/admin/apps/new?type=jwt_sso', '/admin/apps/new', { ...validApp, name: 'Impostor', client_id: existing.client_id });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(fieldError(html, 'client_id')).toContain('already in use');
    expect(inputValue(html, 'name')).toBe('Impostor');
    expect(await json(await admin('GET', `/apps/${existing.client_id}`))).toMatchObject({ name: 'Original' });
  });

  it('edits an app: the form shows the current values, and saving changes them', async () => {
    const app = await createApp({ name: 'Before', attribute_map: { first_name: 'given_name' }, branding: { product_name: 'Old brand' } });
    const { browser } = await signedInAdmin();
    const form = await page(browser, `/admin/apps/${app.client_id}/edit`);
    expect(inputValue(form, 'name')).toBe('Before');
    expect(textareaValue(form, 'redirect_urls')).toBe('https://app.example.com/callback');
    expect(textareaValue(form, 'attribute_map')).toBe('first_name = given_name');
    expect(inputValue(form, 'branding.product_name')).toBe('Old brand');
    expect(form).not.toContain('id="client_id"');

    const res = await postForm(browser, `/admin/apps/${app.client_id}/edit`, {
      ...validApp,
      csrf: hiddenFields(form).csrf!,
      name: 'After',
      redirect_urls: 'https://app.example.com/new\nhttps://app.example.com/callback',
      signing_alg: 'ES256',
      response_mode: 'fragment',
      token_ttl_seconds: '120',
      attribute_map: 'nick = preferred_username',
      'branding.product_name': '',
      'branding.primary_color': '#1f4e79',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/apps/${app.client_id}?notice=saved`);
    expect(await json(await admin('GET', `/apps/${app.client_id}`))).toMatchObject({
      name: 'After',
      redirect_urls: ['https://app.example.com/new', 'https://app.example.com/callback'],
      signing_alg: 'ES256',
      response_mode: 'fragment',
      token_ttl_seconds: 120,
      attribute_map: { nick: 'preferred_username' },
      branding: { product_name: '', primary_color: '#1f4e79' },
    });
    expect(await page(browser, `/admin/apps/${app.client_id}?notice=saved`)).toContain('Changes saved.');
  });

  it('refuses an invalid edit with 400, keeps what was typed, and changes nothing', async () => {
    const app = await createApp({ name: 'Stays' });
    const { browser } = await signedInAdmin();
    const res = await submit(browser, `/admin/apps/${app.client_id}/edit`, `/admin/apps/${app.client_id}/edit`, {
      ...validApp,
      name: 'Typed name',
      redirect_urls: 'https://app.example.com/cb#frag',
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(fieldError(html, 'redirect_urls')).toContain('fragment');
    expect(inputValue(html, 'name')).toBe('Typed name');
    expect(textareaValue(html, 'redirect_urls')).toBe('https://app.example.com/cb#frag');
    expect(await json(await admin('GET', `/apps/${app.client_id}`))).toMatchObject({ name: 'Stays', redirect_urls: ['https://app.example.com/callback'] });
  });

  it('hides the secret until Reveal (a CSRF-checked POST), then shows it and audits the reveal', async () => {
    const app = await createApp();
    const { browser, user } = await signedInAdmin();
    const hidden = await page(browser, `/admin/apps/${app.client_id}`);
    expect(hidden).not.toContain(app.client_secret);
    expect(hidden).toContain(`<form method="post" action="/admin/apps/${app.client_id}/reveal-secret">`);
    // A GET reveals nothing, whatever its query says.
    expect(await page(browser, `/admin/apps/${app.client_id}?reveal=1`)).not.toContain(app.client_secret);
    const res = await postForm(browser, `/admin/apps/${app.client_id}/reveal-secret`, { csrf: hiddenFields(hidden).csrf! });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('no-store');
    const shown = await res.text();
    expect(shown).toContain(`<code id="client-secret">${app.client_secret}</code>`);
    const events = await auditUntil(`type=app.secret.reveal&user=${user.id}`, (e) => e.some((x) => x.target === app.client_id));
    expect(events.find((e) => e.target === app.client_id)).toMatchObject({ type: 'app.secret.reveal', actor: user.id });
  });

  it('rotates the secret only after confirmation, and then tokens are signed with the new one', async () => {
    const app = await createApp();
    const { browser } = await signedInAdmin();
    const confirm = await page(browser, `/admin/apps/${app.client_id}/rotate-secret`);
    expect(confirm).toContain(`<form method="post" action="/admin/apps/${app.client_id}/rotate-secret"`);
    expect(confirm).toMatch(/<button type="submit"[^>]*>Rotate secret<\/button>/);
    // Looking at the confirmation changes nothing.
    const before = (await json<{ client_secret: string }>(await admin('GET', `/apps/${app.client_id}/secret`))).client_secret;
    expect(before).toBe(app.client_secret);

    const res = await postForm(browser, `/admin/apps/${app.client_id}/rotate-secret`, { csrf: hiddenFields(confirm).csrf! });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/apps/${app.client_id}?notice=rotated`);
    const after = (await json<{ client_secret: string }>(await admin('GET', `/apps/${app.client_id}/secret`))).client_secret;
    expect(after).not.toBe(before);
    const overview = await page(browser, res.headers.get('location')!);
    expect(overview).not.toContain(after);
    const revealed = await (await postForm(browser, `/admin/apps/${app.client_id}/reveal-secret`, { csrf: hiddenFields(overview).csrf! })).text();
    expect(revealed).toContain(`<code id="client-secret">${after}</code>`);

    const { params } = await delivered(await browser.fetch(`/sso/jwt/${app.client_id}`));
    await expect(jwtVerify(params.id_token!, new TextEncoder().encode(after), { audience: app.client_id })).resolves.toBeTruthy();
    await expect(jwtVerify(params.id_token!, new TextEncoder().encode(before), { audience: app.client_id })).rejects.toThrow();
  });

  it('deletes an app only after confirmation', async () => {
    const app = await createApp({ name: 'Doomed' });
    const { browser } = await signedInAdmin();
    const confirm = await page(browser, `/admin/apps/${app.client_id}/delete`);
    expect(confirm).toContain('Delete Doomed?');
    expect(confirm).toMatch(/<button type="submit"[^>]*>Delete application<\/button>/);
    expect((await admin('GET', `/apps/${app.client_id}`)).status).toBe(200);

    const res = await postForm(browser, `/admin/apps/${app.client_id}/delete`, { csrf: hiddenFields(confirm).csrf! });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/apps?notice=deleted');
    expect((await admin('GET', `/apps/${app.client_id}`)).status).toBe(404);
    expect((await call(`/sso/jwt/${app.client_id}`)).status).toBe(404);
    expect(await page(browser, `/admin/apps/${app.client_id}`, 404)).toContain('No such application');
  });

  it('lists apps and finds them by name', async () => {
    const tag = unique('listed');
    const app = await createApp({ name: `Findable ${tag}` });
    const other = await createApp({ name: 'Someone else' });
    const { browser } = await signedInAdmin();
    const html = await page(browser, `/admin/apps?q=${encodeURIComponent(tag)}`);
    expect(html).toContain(`href="/admin/apps/${app.client_id}"`);
    expect(html).not.toContain(other.client_id);
    expect(await page(browser, `/admin/apps?q=${unique('nothing')}`)).toContain('No application matches.');
  });
});

describe('Test SSO and integration tabs', () => {
  function claimsOf(html: string): Record<string, unknown> {
    const m = /<dd id="claims"><pre>([^<]*)<\/pre><\/dd>/.exec(html);
    expect(m, 'claims block').toBeTruthy();
    return JSON.parse(decode(m![1]!));
  }

  it.each(['HS256', 'RS256', 'ES256'])('runs the flow for the signed-in admin (%s): a valid signature and the admin in the claims', async (alg) => {
    const app = await createApp({ signing_alg: alg, attribute_map: { first_name: 'given_name' } });
    // A mapped claim appears only when the user has the value (absent claims are left out).
    const { browser, user } = await signedInAdmin({ given_name: 'Ada' });
    const form = await page(browser, `/admin/apps/${app.client_id}/test`);
    expect(form).not.toContain('id="test-result"');
    const res = await postForm(browser, `/admin/apps/${app.client_id}/test`, { csrf: hiddenFields(form).csrf!, redirect_uri: 'https://app.example.com/callback' });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`Valid ${alg} signature`);
    const claims = claimsOf(html);
    expect(claims).toMatchObject({ email: user.email, aud: app.client_id, iss: ORIGIN, sub: user.id });
    expect(claims).toHaveProperty('first_name', 'Ada');
    expect(decode(html)).toContain('https://app.example.com/callback?id_token=');
  });

  it('explains a redirect URL that is not registered, naming the part that differs, and mints no token', async () => {
    const app = await createApp();
    const { browser } = await signedInAdmin();
    const form = await page(browser, `/admin/apps/${app.client_id}/test`);
    const html = decode(await (await postForm(browser, `/admin/apps/${app.client_id}/test`, { csrf: hiddenFields(form).csrf!, redirect_uri: 'https://app.example.com/other' })).text());
    expect(html).toContain('Redirect URL rejected');
    expect(html).toContain('path is "/other", registered "/callback"');
    expect(html).not.toContain('id="test-result"');
    expect(html).not.toContain('id_token=');
  });

  it('shows the integration snippets with the client id and issuer', async () => {
    const hs = await createApp();
    const rs = await createApp({ signing_alg: 'RS256' });
    const { browser } = await signedInAdmin();
    const html = decode(await page(browser, `/admin/apps/${hs.client_id}/integration`));
    expect(html).toContain(hs.client_id);
    expect(html).toContain(`issuer: '${ORIGIN}'`);
    expect(html).toContain(`issuer="${ORIGIN}"`);
    expect(html).toContain('jwtVerify');
    expect(html).toContain('EdgeSSO');
    expect(html).toContain('EDGE_SSO_CLIENT_SECRET');
    expect(html).not.toContain(hs.client_secret);
    const rsHtml = decode(await page(browser, `/admin/apps/${rs.client_id}/integration`));
    expect(rsHtml).toContain(`${ORIGIN}/.well-known/jwks.json`);
    expect(rsHtml).toContain("algorithms: ['RS256']");
  });

  it('offers the public key of an RS256 app as PEM, which verifies the tokens the app receives', async () => {
    const app = await createApp({ signing_alg: 'RS256' });
    const { browser } = await signedInAdmin();
    const html = await page(browser, `/admin/apps/${app.client_id}`);
    const kid = /href="\/admin\/keys\/([A-Za-z0-9_-]+)\.pem"/.exec(html)?.[1];
    expect(kid).toBeTruthy();
    const res = await browser.fetch(`/admin/keys/${kid}.pem`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-pem-file/);
    expect(res.headers.get('content-disposition')).toContain(`${kid}.pem`);
    const pem = await res.text();
    expect(pem.startsWith('-----BEGIN PUBLIC KEY-----')).toBe(true);
    expect(pem.trim().endsWith('-----END PUBLIC KEY-----')).toBe(true);

    const { params } = await delivered(await browser.fetch(`/sso/jwt/${app.client_id}`));
    const { payload, protectedHeader } = await jwtVerify(params.id_token!, await importSPKI(pem, 'RS256'), { issuer: ORIGIN, audience: app.client_id });
    expect(protectedHeader.kid).toBe(kid);
    expect(payload.aud).toBe(app.client_id);
    // The same key is the one in the JWKS.
    const jwks = await (await call('/.well-known/jwks.json')).json<{ keys: [] }>();
    await expect(jwtVerify(params.id_token!, createLocalJWKSet(jwks))).resolves.toBeTruthy();

    expect((await browser.fetch('/admin/keys/no-such-kid.pem')).status).toBe(404);
    expect((await new Browser().fetch(`/admin/keys/${kid}.pem`)).status).toBe(303);
  });
});

// --- Users --------------------------------------------------------------------------------------

describe('users in the console', () => {
  it('adds a user: one group per line, the admin box gives the admin role, and the password works', async () => {
    const { browser } = await signedInAdmin();
    const email = `${unique('added')}@example.com`;
    const res = await submit(browser, '/admin/users/new', '/admin/users/new', {
      email: `  ${email.toUpperCase()} `,
      name: 'Grace Hopper',
      given_name: 'Grace',
      family_name: 'Hopper',
      username: 'grace',
      groups: 'staff\r\n engineering \n\nnavy, the fleet',
      password: 'a brand new password',
      admin: 'on',
      email_verified: 'on',
    });
    expect(res.status).toBe(303);
    const id = /^\/admin\/users\/([0-9a-f-]{36})\?notice=user_created$/.exec(res.headers.get('location')!)?.[1];
    expect(id).toBeTruthy();
    expect((await apiUser(id!)).user).toMatchObject({
      email,
      name: 'Grace Hopper',
      given_name: 'Grace',
      family_name: 'Hopper',
      username: 'grace',
      groups: ['staff', 'engineering', 'navy, the fleet'],
      roles: ['admin'],
      email_verified: true,
      disabled: false,
    });
    const other = new Browser();
    expect((await other.signInThrough('/admin/users', email, 'a brand new password')).status).toBe(200);
  });

  it.each<[string, Record<string, string>, string, string]>([
    ['a malformed email', { email: 'not-an-email' }, 'email', 'must be an email address'],
    ['a short password', { password: 'short' }, 'password', 'at least 8 characters'],
    ['an empty email', { email: '' }, 'email', 'must not be empty'],
  ])('refuses %s with 400 and the error next to the field, keeping the other input', async (_, change, field, message) => {
    const { browser } = await signedInAdmin();
    const fields = { email: `${unique('bad')}@example.com`, name: 'Kept Name', groups: 'kept\ngroups', password: 'long enough password', ...change };
    const res = await submit(browser, '/admin/users/new', '/admin/users/new', fields);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(fieldError(html, field)).toContain(message);
    expect(inputValue(html, 'email')).toBe(fields.email);
    expect(inputValue(html, 'name')).toBe('Kept Name');
    expect(textareaValue(html, 'groups')).toBe('kept\ngroups');
    // The password is never sent back.
    expect(inputValue(html, 'password')).toBe('');
    expect(html).not.toContain(fields.password);
    if (fields.email) expect((await json<{ total: number }>(await admin('GET', `/users?email=${encodeURIComponent(fields.email)}`))).total).toBe(0);
  });

  it('refuses an email that is taken, with the error on email', async () => {
    const existing = await createUser({ name: 'First' });
    const { browser } = await signedInAdmin();
    const res = await submit(browser, '/admin/users/new', '/admin/users/new', { email: existing.email.toUpperCase(), name: 'Second', password: 'long enough password' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(fieldError(html, 'email')).toContain('already exists');
    expect(inputValue(html, 'name')).toBe('Second');
    expect((await apiUser(existing.id)).user).toMatchObject({ name: 'First' });
  });

  it('edits a profile, and the change reaches the user’s live session', async () => {
    const { user, app, browser: userBrowser } = await signedInUser({ groups: ['old'] });
    const { browser } = await signedInAdmin();
    const form = await page(browser, `/admin/users/${user.id}`);
    expect(inputValue(form, 'email')).toBe(user.email);
    expect(textareaValue(form, 'groups')).toBe('old');
    const res = await postForm(browser, `/admin/users/${user.id}`, {
      csrf: hiddenFields(form).csrf!,
      email: user.email,
      name: 'Ada King',
      given_name: 'Ada',
      family_name: 'King',
      username: '',
      groups: 'a\n b \nc',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/users/${user.id}?notice=saved`);
    expect((await apiUser(user.id)).user).toMatchObject({ name: 'Ada King', given_name: 'Ada', groups: ['a', 'b', 'c'], roles: [] });
    const { params } = await delivered(await userBrowser.fetch(`/sso/jwt/${app.client_id}`));
    const { payload } = await jwtVerify(params.id_token!, new TextEncoder().encode(app.client_secret));
    expect(payload).toMatchObject({ name: 'Ada King', groups: ['a', 'b', 'c'] });
  });

  it('gives and takes the admin role with the checkbox', async () => {
    const target = await createUser();
    const { browser } = await signedInAdmin();
    const base = { email: target.email, name: 'Ada Lovelace' };
    expect((await submit(browser, `/admin/users/${target.id}`, `/admin/users/${target.id}`, { ...base, admin: 'on' })).status).toBe(303);
    expect((await apiUser(target.id)).user).toMatchObject({ roles: ['admin'] });
    expect((await submit(browser, `/admin/users/${target.id}`, `/admin/users/${target.id}`, base)).status).toBe(303);
    expect((await apiUser(target.id)).user).toMatchObject({ roles: [] });
  });

  it('refuses an email change to a taken address with the error on email', async () => {
    const taken = await createUser();
    const target = await createUser();
    const { browser } = await signedInAdmin();
    const res = await submit(browser, `/admin/users/${target.id}`, `/admin/users/${target.id}`, { email: taken.email, name: 'x' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(fieldError(html, 'email')).toContain('already exists');
    expect(inputValue(html, 'email')).toBe(taken.email);
    expect((await apiUser(target.id)).user).toMatchObject({ email: target.email });
  });

  it('does not let an admin remove their own admin role, disable or delete themselves', async () => {
    const { browser, user } = await signedInAdmin();
    const self = `/admin/users/${user.id}`;
    const res = await submit(browser, self, self, { email: user.email, name: 'Renamed' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('You cannot remove your own admin role');
    expect((await apiUser(user.id)).user).toMatchObject({ roles: ['admin'], name: 'Ada Lovelace' });

    const disable = await submit(browser, self, `${self}/disable`, {});
    expect(disable.status).toBe(409);
    expect(await disable.text()).toContain('You cannot disable your own account');
    expect((await apiUser(user.id)).user).toMatchObject({ disabled: false });

    const confirm = await page(browser, `${self}/delete`);
    const del = await postForm(browser, `${self}/delete`, { csrf: hiddenFields(confirm).csrf! });
    expect(del.status).toBe(409);
    expect(await del.text()).toContain('You cannot delete your own account');
    expect((await apiUser(user.id)).status).toBe(200);
    // Still an admin with a live session.
    await page(browser, '/admin/users');
  });

  it('disables a user: their session ends and the right password is told the account is disabled; enabling lets them back', async () => {
    const { user, app, browser: userBrowser } = await signedInUser();
    const { browser } = await signedInAdmin();
    const res = await submit(browser, `/admin/users/${user.id}`, `/admin/users/${user.id}/disable`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/users/${user.id}?notice=disabled`);
    expect((await apiUser(user.id)).user).toMatchObject({ disabled: true });
    const shown = await page(browser, `/admin/users/${user.id}?notice=disabled`);
    expect(shown).toContain('Disabled');
    expect(shown).toContain('Enable user');

    expect(await isSignedIn(userBrowser, app.client_id)).toBe(false);
    const refused = await userBrowser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('This account is disabled. Contact your administrator.');

    const enable = await submit(browser, `/admin/users/${user.id}`, `/admin/users/${user.id}/enable`, {});
    expect(enable.status).toBe(303);
    expect((await apiUser(user.id)).user).toMatchObject({ disabled: false });
    const { params } = await delivered(await new Browser().signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD));
    expect(params.id_token).toBeTruthy();
  });

  it('sets a password: sessions end, the new password works and the old one does not', async () => {
    const { user, app, browser: userBrowser } = await signedInUser();
    const { browser } = await signedInAdmin();
    const short = await submit(browser, `/admin/users/${user.id}`, `/admin/users/${user.id}/password`, { new_password: 'short' });
    expect(short.status).toBe(400);
    expect(fieldError(await short.text(), 'new_password')).toContain('at least 8 characters');
    expect(await isSignedIn(userBrowser, app.client_id)).toBe(true);

    const res = await submit(browser, `/admin/users/${user.id}`, `/admin/users/${user.id}/password`, { new_password: 'the new password 2' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/users/${user.id}?notice=password_set`);
    expect(await isSignedIn(userBrowser, app.client_id)).toBe(false);
    expect((await new Browser().signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD)).status).toBe(401);
    const { params } = await delivered(await new Browser().signInThrough(`/sso/jwt/${app.client_id}`, user.email, 'the new password 2'));
    expect(params.id_token).toBeTruthy();
  });

  it('signs a user out everywhere after a confirmation page', async () => {
    const { user, app, browser: userBrowser } = await signedInUser();
    const second = new Browser();
    await delivered(await second.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD));
    const { browser, user: adminUser } = await signedInAdmin();
    const confirm = await page(browser, `/admin/users/${user.id}/sign-out`);
    expect(confirm).toMatch(/<button type="submit"[^>]*>Sign out everywhere<\/button>/);
    expect(await isSignedIn(userBrowser, app.client_id)).toBe(true);

    const res = await postForm(browser, `/admin/users/${user.id}/sign-out`, { csrf: hiddenFields(confirm).csrf! });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/users/${user.id}?notice=signed_out`);
    expect(await isSignedIn(userBrowser, app.client_id)).toBe(false);
    expect(await isSignedIn(second, app.client_id)).toBe(false);
    const events = await auditUntil(`type=user.sessions.revoke&user=${user.id}`, (e) => e.length > 0);
    expect(events[0]).toMatchObject({ actor: adminUser.id, target: user.id, detail: { ended: 2 } });
  });

  it('deletes a user after a confirmation page; their session ends', async () => {
    const { user, app, browser: userBrowser } = await signedInUser();
    const { browser } = await signedInAdmin();
    const confirm = await page(browser, `/admin/users/${user.id}/delete`);
    expect(confirm).toContain(`Delete ${user.email}?`);
    expect((await apiUser(user.id)).status).toBe(200);
    const res = await postForm(browser, `/admin/users/${user.id}/delete`, { csrf: hiddenFields(confirm).csrf! });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/users?notice=deleted');
    expect((await apiUser(user.id)).status).toBe(404);
    expect(await isSignedIn(userBrowser, app.client_id)).toBe(false);
    expect(await page(browser, `/admin/users/${user.id}`, 404)).toContain('No such user');
  });

  it('searches users and pages through more than 50', { timeout: 20_000 }, async () => {
    const tag = unique('pager');
    const created = [];
    for (let i = 0; i < 51; i++) created.push(await createUser({ email: `${tag}-${String(i).padStart(2, '0')}@example.com` }));
    const { browser } = await signedInAdmin();

    const first = await page(browser, `/admin/users?q=${tag}`);
    const rows = (html: string) => [...html.matchAll(/<a href="\/admin\/users\/([0-9a-f-]{36})">/g)].map((m) => m[1]);
    expect(rows(first)).toHaveLength(50);
    expect(first).toContain('51 users · page 1 of 2');
    expect(decode(first)).toContain(`href="/admin/users?q=${tag}&page=2"`);
    expect(first).not.toContain('>Previous<');

    const second = await page(browser, `/admin/users?q=${tag}&page=2`);
    expect(rows(second)).toEqual([created[50]!.id]);
    expect(second).toContain('page 2 of 2');
    expect(second).toContain('>Previous<');
    expect(second).not.toContain('>Next<');

    const one = await page(browser, `/admin/users?q=${encodeURIComponent(created[7]!.email)}`);
    expect(rows(one)).toEqual([created[7]!.id]);
    expect(await page(browser, `/admin/users?q=${unique('nobody')}`)).toContain('No user matches.');
  });
});

// --- Audit page ---------------------------------------------------------------------------------

describe('the audit page', () => {
  it('filters by event type', async () => {
    const { browser } = await signedInAdmin();
    const created = await submit(browser, '/admin/apps/new?type=jwt_sso', '/admin/apps/new', { ...validApp, client_id: unique('audited') });
    expect(created.status).toBe(303);
    await createUser();
    await auditUntil('type=app.create', (e) => e.length > 0);
    await auditUntil('type=user.create', (e) => e.length > 0);

    const types = (html: string) => [...html.matchAll(/<span class="event-type">([a-z.]+)<\/span>/g)].map((m) => m[1]);
    const all = await page(browser, '/admin/audit');
    expect(new Set(types(all))).toContain('user.create');
    const filtered = await page(browser, '/admin/audit?type=app.create');
    expect(types(filtered).length).toBeGreaterThan(0);
    expect(new Set(types(filtered))).toEqual(new Set(['app.create']));
    expect(filtered).toContain('<option value="app.create" selected="">');
  });
});

describe('the audit page under a password spray', () => {
  it('shows more than 100 distinct targets on one page (D1 binds at most 100 parameters)', { timeout: 30_000 }, async () => {
    const adminUser = await createUser({ roles: ['admin'] });
    const console_ = new Browser();
    await console_.signInThrough('/admin/audit', adminUser.email, PASSWORD);
    const spray = new Browser();
    const csrf = hiddenFields(await (await spray.fetch('/login')).text()).csrf!;
    for (let i = 0; i < 101; i++) {
      await spray.fetch('/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, 'cf-connecting-ip': '203.0.113.9' },
        body: new URLSearchParams({ csrf, email: `spray-${i}-${unique('t')}@example.com`, password: 'guess' }),
      });
    }
    await auditUntil('type=login.failure&limit=100', (e) => e.filter((x) => x.target.startsWith('spray-')).length >= 100);
    const res = await console_.fetch('/admin/audit');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('spray-');
  });
});

// My apps (issue #8, item 15b): the signed-in user's home lists the apps they may open, each a
// link to where the app starts its own sign-in (its initiate_login_url, else its first redirect
// URL's origin), with a sign-out button and, for admins, the console.
import { describe, expect, it } from 'vitest';
import { appTiles, mayOpenApp } from '../../src/account/visible-apps';
import { launchUrl, type App } from '../../src/apps/app';
import { admin, Browser, call, createApp, createUser, hiddenFields, ORIGIN, PASSWORD, unique } from '../helpers';

async function signedIn(roles: string[] = []) {
  const user = await createUser({ roles });
  const browser = new Browser();
  const page = await browser.fetch('/login');
  const res = await browser.submitLogin(await page.text(), user.email, PASSWORD);
  expect(res.status).toBe(303);
  return { user, browser };
}

function links(html: string): Map<string, string> {
  const list = /<ul class="app-list"[^>]*>(.*?)<\/ul>/s.exec(html)?.[1] ?? '';
  return new Map([...list.matchAll(/<a href="([^"]+)" rel="noopener">([^<]*)<\/a>/g)].map((m) => [m[2]!, m[1]!.replace(/&amp;/g, '&')]));
}

describe('GET /my-apps', () => {
  it('sends a browser without a session to the login page', async () => {
    const res = await call('/my-apps');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login');
  });

  it('is where /login sends a signed-in user who is not in the middle of a sign-in', async () => {
    const { browser } = await signedIn();
    const res = await browser.fetch('/login');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/my-apps');
  });

  it("links each app to its initiate_login_url, or its first redirect URL's origin", async () => {
    const named = unique('Payroll');
    const other = unique('Wiki');
    await createApp({ name: named, redirect_urls: ['https://payroll.example.com/sso/callback'], initiate_login_url: 'https://payroll.example.com/login?sso=1' });
    await createApp({ name: other, redirect_urls: ['https://wiki.example.org:8443/auth/cb', 'https://second.example.org/cb'] });
    const { browser, user } = await signedIn();
    const res = await browser.fetch('/my-apps');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<h1>My apps</h1>');
    expect(html).toContain(user.email);
    const tiles = links(html);
    expect(tiles.get(named)).toBe('https://payroll.example.com/login?sso=1');
    expect(tiles.get(other)).toBe('https://wiki.example.org:8443/');
  });

  it('escapes app names and descriptions', async () => {
    const name = `<img src=x onerror=alert(1)> ${unique('x')}`;
    await createApp({ name, description: '<script>alert(2)</script>' });
    const { browser } = await signedIn();
    const html = await (await browser.fetch('/my-apps')).text();
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>alert(2)');
    expect(html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
  });

  it('offers the console only to admins', async () => {
    const plain = await signedIn();
    expect(await (await plain.browser.fetch('/my-apps')).text()).not.toContain('href="/admin"');
    const boss = await signedIn(['admin']);
    expect(await (await boss.browser.fetch('/my-apps')).text()).toContain('<a href="/admin">Open the admin console</a>');
  });

  it('has a sign-out button that posts with a CSRF token and ends the session', async () => {
    const { browser } = await signedIn();
    const html = await (await browser.fetch('/my-apps')).text();
    expect(html).toMatch(/<form method="post" action="\/sso\/logout">/);
    const res = await browser.fetch('/sso/logout', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams(hiddenFields(html)),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You are signed out');
    const after = await browser.fetch('/my-apps');
    expect(after.headers.get('location')).toBe('/login');
  });

  it('uses the global branding', async () => {
    const productName = unique('Acme');
    expect((await admin('PUT', '/branding', { product_name: productName })).status).toBe(200);
    try {
      const { browser } = await signedIn();
      const html = await (await browser.fetch('/my-apps')).text();
      expect(html).toContain(`<title>My apps · ${productName}</title>`);
    } finally {
      await admin('PUT', '/branding', { product_name: '' });
    }
  });
});

describe('initiate_login_url in the admin API', () => {
  it('is https or loopback http, returned, changed and cleared', async () => {
    const app = await createApp({ initiate_login_url: 'http://localhost:5000/start' });
    expect(app.initiate_login_url).toBe('http://localhost:5000/start');
    const changed = await admin('PATCH', `/apps/${app.client_id}`, { initiate_login_url: 'https://app.example.com/go' });
    expect(((await changed.json()) as { initiate_login_url: string }).initiate_login_url).toBe('https://app.example.com/go');
    const cleared = await admin('PATCH', `/apps/${app.client_id}`, { initiate_login_url: '' });
    expect(((await cleared.json()) as { initiate_login_url: string }).initiate_login_url).toBe('');
    expect((await createApp()).initiate_login_url).toBe('');
  });

  it.each(['http://app.example.com/', 'javascript:alert(1)', 'https://user:pw@app.example.com/', 'https://app.example.com/#x', 'not a url', 42])('refuses %s', async (value) => {
    const res = await admin('POST', '/apps', { name: 'X', redirect_urls: ['https://app.example.com/cb'], initiate_login_url: value });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { fields: Record<string, string> };
    expect(Object.keys(body.fields)).toEqual(['initiate_login_url']);
  });
});

describe('appTiles and launchUrl', () => {
  const app = (fields: Partial<App>): App => ({
    clientId: fields.clientId ?? 'c',
    name: 'N',
    description: '',
    signingAlg: 'HS256',
    responseMode: 'query',
    tokenTtlSeconds: 300,
    redirectUrls: ['https://a.example.com/cb'],
    logoutUrls: [],
    initiateLoginUrl: '',
    identitySource: null,
    tokenEndpointAuthMethod: 'client_secret_basic',
    backchannelLogoutUri: null,
    access: 'everyone',
    attributeMap: {},
    branding: {},
    createdAt: 0,
    updatedAt: 0,
    ...fields,
  });
  const session = { userId: 'u', roles: [], profile: { email: 'a@example.com' } as never };

  it('lists every app open to everyone, by name, and leaves out an app with nowhere to open', () => {
    const apps = [app({ clientId: 'b', name: 'beta' }), app({ clientId: 'a', name: 'Alpha' }), app({ clientId: 'z', name: 'Zed', redirectUrls: [] })];
    expect(apps.every((a) => mayOpenApp(session, a))).toBe(true);
    expect(appTiles(session, apps).map((t) => t.clientId)).toEqual(['a', 'b']);
  });

  it('prefers the configured URL', () => {
    expect(launchUrl(app({ initiateLoginUrl: 'https://x.example/start' }))).toBe('https://x.example/start');
    expect(launchUrl(app({ redirectUrls: ['http://127.0.0.1:5000/cb?x=1'] }))).toBe('http://127.0.0.1:5000/');
    expect(launchUrl(app({ redirectUrls: [] }))).toBeNull();
  });
});

describe('the console app form', () => {
  async function consoleForm(browser: Browser, path: string) {
    const res = await browser.fetch(path);
    expect(res.status).toBe(200);
    return res.text();
  }
  const post = (browser: Browser, path: string, fields: Record<string, string>) =>
    browser.fetch(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }, body: new URLSearchParams(fields) });

  it('sets the sign-in start URL, shows it again, refuses a bad one next to its field, and My apps links to it', async () => {
    const { browser } = await signedIn(['admin']);
    const csrf = hiddenFields(await consoleForm(browser, '/admin/apps/new?type=jwt_sso')).csrf!;
    const clientId = unique('launch');
    const name = unique('Launchpad');
    const base = { csrf, name, redirect_urls: 'https://launch.example.com/cb', client_id: clientId, signing_alg: 'HS256', response_mode: 'query', token_ttl_seconds: '300' };

    const refused = await post(browser, '/admin/apps/new', { ...base, initiate_login_url: 'http://launch.example.com/start' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/id="initiate_login_url-error">[^<]*must use https/);

    const created = await post(browser, '/admin/apps/new', { ...base, initiate_login_url: 'https://launch.example.com/start' });
    expect(created.status).toBe(303);
    const edit = await consoleForm(browser, `/admin/apps/${clientId}/edit`);
    expect(edit).toMatch(/name="initiate_login_url" type="url" value="https:\/\/launch\.example\.com\/start"/);
    expect(links(await (await browser.fetch('/my-apps')).text()).get(name)).toBe('https://launch.example.com/start');
  });
});

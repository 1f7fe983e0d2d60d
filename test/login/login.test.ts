// The login form: one message for every refusal, CSRF refusal, no session fixation, cookie
// attributes, hashed session keys in KV, and expired sign-in requests.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createFlow, readFlow } from '../../src/sessions/flows';
import { admin, Browser, call, createApp, createUser, delivered, hiddenFields, ORIGIN, PASSWORD, unique } from '../helpers';

const SESSION = '__Host-edge-sso-session';
const CSRF = '__Host-edge-sso-csrf';

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Opens the SSO URL of a fresh app and returns the login page the browser lands on. */
async function startSignIn(browser: Browser, fields: Record<string, unknown> = {}) {
  const app = await createApp(fields);
  const first = await browser.fetch(`/sso/jwt/${app.client_id}?state=s1`);
  expect(first.status).toBe(303);
  const loginUrl = first.headers.get('location')!;
  const page = await browser.fetch(loginUrl);
  expect(page.status).toBe(200);
  return { app, loginUrl, html: await page.text() };
}

function alertText(html: string): string | undefined {
  return /<div class="alert" role="alert">([^<]*)<\/div>/.exec(html)?.[1];
}

function post(browser: Browser, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return browser.fetch('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, ...headers },
    body: new URLSearchParams(fields),
  });
}

describe('wrong credentials', () => {
  it('answer the same 401 and the same message for a wrong password, an unknown email and a disabled account’s wrong password, keeping the typed email', async () => {
    const user = await createUser();
    const disabled = await createUser();
    await admin('PATCH', `/users/${disabled.id}`, { disabled: true });
    const unknownEmail = `${unique('nobody')}@example.com`;

    const answers = [];
    for (const [email, password] of [
      [user.email, 'wrong password!'],
      [unknownEmail, PASSWORD],
      [disabled.email, 'wrong password!'],
      [user.email.toUpperCase(), 'wrong password!'],
    ] as const) {
      const browser = new Browser();
      const { html } = await startSignIn(browser);
      const res = await browser.submitLogin(html, email, password);
      const page = await res.text();
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.getSetCookie().join()).not.toContain(SESSION);
      expect(page).toContain(`value="${email}"`);
      expect(page).not.toContain(password);
      // The form is shown again, ready for another try in the same flow.
      expect(hiddenFields(page).flow).toBe(hiddenFields(html).flow);
      answers.push({ status: res.status, message: alertText(page) });
    }
    expect(answers[0]).toEqual({ status: 401, message: 'The email or password is not correct.' });
    for (const answer of answers) expect(answer).toEqual(answers[0]);
  });

  it('tell a disabled account that it is disabled only after the right password, with no session', async () => {
    const user = await createUser();
    await admin('PATCH', `/users/${user.id}`, { disabled: true });
    const browser = new Browser();
    const { html } = await startSignIn(browser);
    const wrong = await browser.submitLogin(html, user.email, 'wrong password!');
    expect(wrong.status).toBe(401);
    expect(alertText(await wrong.text())).toBe('The email or password is not correct.');

    const right = await browser.submitLogin(html, user.email, PASSWORD);
    expect(right.status).toBe(403);
    const page = await right.text();
    expect(alertText(page)).toBe('This account is disabled. Contact your administrator.');
    expect(right.headers.get('location')).toBeNull();
    expect(browser.cookies.has(SESSION)).toBe(false);
    // The right password of a disabled account never counts toward the lock, nor clears failures.
    const row = await env.DB.prepare('select failures from login_throttle where key = ?').bind(`email:${user.email}`).first<{ failures: number }>();
    expect(row?.failures).toBe(1);
  });

  it('refuses a missing password and a missing email the same way', async () => {
    const user = await createUser();
    for (const [email, password] of [
      [user.email, ''],
      ['', PASSWORD],
    ] as const) {
      const browser = new Browser();
      const { html } = await startSignIn(browser);
      const res = await browser.submitLogin(html, email, password);
      expect(res.status).toBe(401);
      expect(alertText(await res.text())).toBe('The email or password is not correct.');
    }
  });

  it('shows a typed email that contains markup as text, never as markup', async () => {
    const browser = new Browser();
    const { html } = await startSignIn(browser);
    const res = await browser.submitLogin(html, '"><script>alert(1)</script>@x.com', PASSWORD);
    expect(res.status).toBe(401);
    const page = await res.text();
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).toContain('&quot;&gt;&lt;script&gt;');
  });

  it('signs in once the right password is typed after a wrong one', async () => {
    const user = await createUser();
    const browser = new Browser();
    const { html } = await startSignIn(browser);
    const wrong = await browser.submitLogin(html, user.email, 'not the password');
    expect(wrong.status).toBe(401);
    const right = await browser.submitLogin(await wrong.text(), user.email, PASSWORD);
    expect(right.status).toBe(303);
    const { params } = await delivered(await browser.fetch(right.headers.get('location')!));
    expect(params.id_token).toBeTruthy();
    expect(params.state).toBe('s1');
  });

  it('is case-insensitive about the email', async () => {
    const user = await createUser();
    const browser = new Browser();
    const { html } = await startSignIn(browser);
    const res = await browser.submitLogin(html, `  ${user.email.toUpperCase()}  `, PASSWORD);
    expect(res.status).toBe(303);
  });
});

describe('CSRF', () => {
  async function ready() {
    const user = await createUser();
    const browser = new Browser();
    const { html } = await startSignIn(browser);
    const fields: Record<string, string> = { ...hiddenFields(html), email: user.email, password: PASSWORD };
    expect(fields.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(browser.cookies.get(CSRF)).toBe(fields.csrf);
    return { user, browser, fields };
  }

  async function expectRefused(res: Response, browser: Browser) {
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
    expect(browser.cookies.has(SESSION)).toBe(false);
    expect(await res.text()).toMatch(/another site|expired/);
  }

  it('refuses a form without the csrf field', async () => {
    const { browser, fields } = await ready();
    const { csrf: _, ...withoutToken } = fields;
    await expectRefused(await post(browser, withoutToken), browser);
  });

  it('refuses a csrf field that does not match the cookie', async () => {
    const { browser, fields } = await ready();
    await expectRefused(await post(browser, { ...fields, csrf: 'A'.repeat(43) }), browser);
    await expectRefused(await post(browser, { ...fields, csrf: '' }), browser);
  });

  it('refuses a valid token without the cookie', async () => {
    const { browser, fields } = await ready();
    browser.cookies.delete(CSRF);
    await expectRefused(await post(browser, fields), browser);
  });

  it('refuses a cross-site Origin even with a valid token', async () => {
    const { browser, fields } = await ready();
    await expectRefused(await post(browser, fields, { origin: 'https://evil.example' }), browser);
    await expectRefused(await post(browser, fields, { origin: 'http://sso.test' }), browser);
  });

  it('refuses Sec-Fetch-Site: cross-site even with a valid token', async () => {
    const { browser, fields } = await ready();
    const res = await browser.fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
      body: new URLSearchParams(fields),
    });
    await expectRefused(res, browser);
  });

  it('accepts Origin: null, which browsers send from a page with Referrer-Policy: no-referrer', async () => {
    const { browser, fields } = await ready();
    const res = await browser.fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'null', 'sec-fetch-site': 'same-origin' },
      body: new URLSearchParams(fields),
    });
    expect(res.status).toBe(303);
    expect(browser.cookies.has(SESSION)).toBe(true);
  });

  it('still refuses Origin: null without the matching token', async () => {
    const { browser, fields } = await ready();
    const res = await browser.fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'null' },
      body: new URLSearchParams({ ...fields, csrf: 'B'.repeat(43) }),
    });
    await expectRefused(res, browser);
  });

  it('accepts the same form from this origin', async () => {
    const { browser, fields } = await ready();
    const res = await post(browser, fields, { 'sec-fetch-site': 'same-origin' });
    expect(res.status).toBe(303);
    expect(browser.cookies.has(SESSION)).toBe(true);
  });
});

describe('sessions at sign-in', () => {
  it('replaces a session cookie planted before sign-in by a new random one', async () => {
    const user = await createUser();
    const browser = new Browser();
    browser.cookies.set(SESSION, 'attacker-chosen');
    const { app, html } = await startSignIn(browser);
    const res = await browser.submitLogin(html, user.email, PASSWORD);
    expect(res.status).toBe(303);
    const cookie = browser.cookies.get(SESSION)!;
    expect(cookie).not.toBe('attacker-chosen');
    expect(cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The attacker's value grants nothing.
    const attacker = new Browser();
    attacker.cookies.set(SESSION, 'attacker-chosen');
    expect((await attacker.fetch(`/sso/jwt/${app.client_id}`)).headers.get('location')).toMatch(/^\/login\?flow=/);
  });

  it("ends a session planted by an attacker who signed in with their own account", async () => {
    const attackerUser = await createUser();
    const victimUser = await createUser();
    const attacker = new Browser();
    const { app, html } = await startSignIn(attacker);
    await attacker.submitLogin(html, attackerUser.email, PASSWORD);
    const planted = attacker.cookies.get(SESSION)!;

    const victim = new Browser();
    victim.cookies.set(SESSION, planted);
    const first = await victim.fetch(`/sso/jwt/${app.client_id}?prompt=login`);
    const page = await victim.fetch(first.headers.get('location')!);
    expect((await victim.submitLogin(await page.text(), victimUser.email, PASSWORD)).status).toBe(303);
    expect(victim.cookies.get(SESSION)).not.toBe(planted);

    // The attacker's copy of the old cookie is no longer a session.
    expect((await attacker.fetch(`/sso/jwt/${app.client_id}`)).headers.get('location')).toMatch(/^\/login\?flow=/);
  });

  it('gives a new session id at every sign-in and ends the previous one', async () => {
    const user = await createUser();
    const browser = new Browser();
    const { app, html } = await startSignIn(browser);
    await browser.submitLogin(html, user.email, PASSWORD);
    const firstId = browser.cookies.get(SESSION)!;
    expect(await env.KV.get(`session:${await sha256Hex(firstId)}`)).not.toBeNull();

    const again = await browser.fetch('/login');
    expect(again.headers.get('location')).toBe('/my-apps');
    expect(await (await browser.fetch('/my-apps')).text()).toContain('Signed in as');
    const forced = await browser.fetch(`/sso/jwt/${app.client_id}?prompt=login`);
    const page = await browser.fetch(forced.headers.get('location')!);
    expect((await browser.submitLogin(await page.text(), user.email, PASSWORD)).status).toBe(303);
    const secondId = browser.cookies.get(SESSION)!;
    expect(secondId).not.toBe(firstId);

    expect(await env.KV.get(`session:${await sha256Hex(firstId)}`)).toBeNull();
    expect(await env.KV.get(`session:${await sha256Hex(secondId)}`)).not.toBeNull();
    const stale = new Browser();
    stale.cookies.set(SESSION, firstId);
    expect((await stale.fetch(`/sso/jwt/${app.client_id}`)).headers.get('location')).toMatch(/^\/login\?flow=/);
  });

  it('sets the session cookie HttpOnly, Secure, SameSite=Lax, Path=/, __Host- prefixed, without Domain', async () => {
    const user = await createUser();
    const browser = new Browser();
    const { html } = await startSignIn(browser);
    const res = await browser.submitLogin(html, user.email, PASSWORD);
    const line = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION}=`));
    expect(line).toBeDefined();
    const attributes = line!.split(';').slice(1).map((a) => a.trim());
    const lower = attributes.map((a) => a.toLowerCase());
    expect(lower).toContain('httponly');
    expect(lower).toContain('secure');
    expect(lower).toContain('samesite=lax');
    expect(lower).toContain('path=/');
    expect(lower.some((a) => a.startsWith('domain'))).toBe(false);
    // The cookie lives as long as the session (SESSION_TTL_SECONDS).
    expect(lower).toContain(`max-age=${env.SESSION_TTL_SECONDS ?? 28800}`);
  });

  it('sets the CSRF cookie with the same protections', async () => {
    const res = await call('/login');
    const line = res.headers.getSetCookie().find((c) => c.startsWith(`${CSRF}=`));
    expect(line).toBeDefined();
    const lower = line!.split(';').slice(1).map((a) => a.trim().toLowerCase());
    expect(lower).toEqual(expect.arrayContaining(['httponly', 'secure', 'samesite=lax', 'path=/']));
    expect(lower.some((a) => a.startsWith('domain'))).toBe(false);
  });

  it('keys the session in KV by the SHA-256 of the cookie value, never by the value itself', async () => {
    const user = await createUser();
    const browser = new Browser();
    const { html } = await startSignIn(browser);
    await browser.submitLogin(html, user.email, PASSWORD);
    const raw = browser.cookies.get(SESSION)!;

    expect(await env.KV.get(`session:${raw}`)).toBeNull();
    const record = await env.KV.get<{ userId: string }>(`session:${await sha256Hex(raw)}`, 'json');
    expect(record?.userId).toBe(user.id);

    const { keys } = await env.KV.list({ prefix: 'session:' });
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key.name).toMatch(/^session:[0-9a-f]{64}$/);
      expect(key.name).not.toContain(raw);
    }
    // No KV key or value anywhere holds the raw cookie value.
    const all = await env.KV.list();
    for (const key of all.keys) {
      expect(key.name).not.toContain(raw);
      expect((await env.KV.get(key.name)) ?? '').not.toContain(raw);
    }
  });
});

describe('sign-in requests (flows)', () => {
  it('shows a 400 page asking to start again for an unknown or forged flow, with a link back to the login page', async () => {
    for (const flow of ['no-such-flow', 'AAAAAAAAAAAAAAAAAAAAAAAA', '../../etc', 'x'.repeat(65), 'A'.repeat(30_000)]) {
      const res = await call(`/login?flow=${encodeURIComponent(flow)}`);
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(alertText(html)).toMatch(/expired.*start again/);
      expect(hiddenFields(html).flow).toBeUndefined();
      expect(html).toContain('<a href="/login">Back to sign-in</a>');
    }
  });

  it('links an expired flow back to the application’s SSO URL, which starts a fresh one', async () => {
    const app = await createApp();
    const returnTo = `/sso/jwt/${app.client_id}?state=s9`;
    const expired = await createFlow(env, { returnTo, clientId: app.client_id }, -1);
    const res = await call(`/login?flow=${expired}`);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(alertText(html)).toMatch(/expired.*start again/);
    expect(html).toContain(`<a href="/sso/jwt/${app.client_id}?state=s9">Start again</a>`);
    const again = await call(returnTo);
    expect(again.headers.get('location')).toMatch(/^\/login\?flow=[A-Za-z0-9_-]+$/);
  });

  it('refuses a POST with an unknown flow with 400, keeping the email, and starts no session', async () => {
    const user = await createUser();
    const browser = new Browser();
    const page = await browser.fetch('/login');
    const res = await browser.submitLogin(await page.text(), user.email, PASSWORD, { flow: 'no-such-flow' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(alertText(html)).toMatch(/expired.*start again/);
    expect(html).toContain(`value="${user.email}"`);
    expect(browser.cookies.has(SESSION)).toBe(false);
  });

  it('refuses an expired sign-in form (CSRF) with the form again, a fresh token and a link back to the app', async () => {
    const user = await createUser();
    const browser = new Browser();
    const { app, html } = await startSignIn(browser);
    browser.cookies.delete(CSRF); // the browser lost the cookie: the form's token no longer matches
    const res = await browser.submitLogin(html, user.email, PASSWORD);
    expect(res.status).toBe(403);
    const page = await res.text();
    expect(alertText(page)).toMatch(/form has expired/);
    expect(page).toContain(`<a href="/sso/jwt/${app.client_id}?state=s1">Start again</a>`);
    expect(browser.cookies.has(SESSION)).toBe(false);
    // The form shown again works.
    expect((await browser.submitLogin(page, user.email, PASSWORD)).status).toBe(303);
  });

  it('a flow value grants nothing: replayed after sign-out it only leads to the login page again', async () => {
    const user = await createUser();
    const browser = new Browser();
    const { app, html, loginUrl } = await startSignIn(browser);
    expect((await browser.submitLogin(html, user.email, PASSWORD)).status).toBe(303);
    await browser.fetch('/sso/logout');
    // Another browser (or the same one, signed out) replays the used value: a login form, no token.
    const other = new Browser();
    const replay = await other.fetch(loginUrl);
    expect(replay.status).toBe(200);
    expect(await replay.text()).toContain('name="password"');
    const wrong = await other.submitLogin(await (await other.fetch(loginUrl)).text(), user.email, 'not the password');
    expect(wrong.status).toBe(401);
    // The final step re-checks the session: without one, the SSO URL sends to the login page.
    expect((await other.fetch(`/sso/jwt/${app.client_id}?state=s1`)).headers.get('location')).toMatch(/^\/login\?flow=/);
  });

  it('refuses a flow value that was tampered with, or sealed under another key', async () => {
    const app = await createApp();
    const good = await createFlow(env, { returnTo: `/sso/jwt/${app.client_id}`, clientId: app.client_id });
    expect((await call(`/login?flow=${good}`)).status).toBe(200);
    const flipped = good.slice(0, 20) + (good[20] === 'A' ? 'B' : 'A') + good.slice(21);
    expect((await call(`/login?flow=${flipped}`)).status).toBe(400);
    const foreign = await createFlow({ KEY_ENCRYPTION_KEY: 'another-key-encryption-key-0123456789abcdef' }, { returnTo: '/admin' });
    expect((await call(`/login?flow=${foreign}`)).status).toBe(400);
    expect(await readFlow(env, foreign)).toBeNull();
  });

  it('names the app on the login page', async () => {
    const browser = new Browser();
    const { html } = await startSignIn(browser, { name: 'Payroll Portal' });
    expect(html).toContain('to continue to Payroll Portal');
  });

  it('answers a successful POST with 303 back to the SSO URL, which delivers the token', async () => {
    const user = await createUser();
    const browser = new Browser();
    const { app, html } = await startSignIn(browser);
    const res = await browser.submitLogin(html, user.email, PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/sso/jwt/${app.client_id}?state=s1`);
    const { target, params } = await delivered(await browser.fetch(res.headers.get('location')!));
    expect(target).toBe('https://app.example.com/callback');
    expect(params.state).toBe('s1');
  });

  it('answers a successful POST without a flow with 303 to /login, which sends on to My apps, which says who is signed in', async () => {
    const user = await createUser();
    const browser = new Browser();
    const page = await browser.fetch('/login');
    const html = await page.text();
    expect(html).toContain('to your account');
    const res = await browser.submitLogin(html, user.email, PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login');
    const home = await browser.fetch('/login');
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe('/my-apps');
    const signedIn = await browser.fetch('/my-apps');
    expect(signedIn.status).toBe(200);
    const text = await signedIn.text();
    expect(text).toContain('<h1>My apps</h1>');
    expect(text).toContain(user.email);
    expect(text).not.toContain('name="password"');
  });
});

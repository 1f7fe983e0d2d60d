// Fast from anywhere: D1 has one primary in one region, so every D1 call a request waits for is
// a round trip to it from wherever the user is. Each path's count of sequential round trips is
// guarded here, measured from outside the code by wrapping the binding (see ../round-trips.ts),
// with warm isolate caches. Counts, not timings.
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Browser, call, createApp, createUser, delivered, hiddenFields, PASSWORD } from '../helpers';
import { codeFor as totpCode, enrolTotp, form, signedIn as mfaSignedIn } from '../mfa/support';
import { codeFor, oidcApp, redeem, refreshWith, signedIn, type TokenResponse } from '../oidc/support';
import { roundTrips } from '../round-trips';

afterEach(() => vi.restoreAllMocks());

const ssoPath = (clientId: string) => `/sso/jwt/${clientId}?state=s1`;

/** A fresh browser on the login page of an app's sign-in; the page has been seen once (warm caches). */
async function loginPage(clientId: string) {
  const browser = new Browser();
  const start = await browser.fetch(ssoPath(clientId));
  const location = start.headers.get('location')!;
  expect(location).toMatch(/^\/login\?flow=/);
  await browser.fetch(location);
  return { browser, location, html: await (await browser.fetch(location)).text() };
}

describe('sequential D1 round trips per path (warm caches)', () => {
  it('the SSO URL with a live session: 0', async () => {
    const app = await createApp();
    const user = await createUser();
    const browser = new Browser();
    await browser.signInThrough(ssoPath(app.client_id), user.email, PASSWORD);
    await browser.fetch(ssoPath(app.client_id));
    const { sequential, result } = await roundTrips(() => browser.fetch(ssoPath(app.client_id)));
    expect((await delivered(result)).params.id_token).toBeTruthy();
    expect(sequential).toBe(0);
  });

  it('the login page of a sign-in (GET /login?flow=…): 0', async () => {
    const app = await createApp();
    const { browser, location } = await loginPage(app.client_id);
    const { sequential, result } = await roundTrips(() => browser.fetch(location));
    expect(result.status).toBe(200);
    expect(sequential).toBe(0);
  });

  it('a password sign-in, right password (POST /login): at most 2', async () => {
    const app = await createApp();
    const user = await createUser();
    const { browser, html } = await loginPage(app.client_id);
    const { sequential, result } = await roundTrips(() => browser.submitLogin(html, user.email, PASSWORD));
    expect(result.status).toBe(303);
    expect(browser.cookies.has('__Host-edge-sso-session')).toBe(true);
    expect(sequential).toBeLessThanOrEqual(2);
  });

  it('a password sign-in, wrong password: at most 2', async () => {
    const app = await createApp();
    const user = await createUser();
    const { browser, html } = await loginPage(app.client_id);
    const { sequential, result } = await roundTrips(() => browser.submitLogin(html, user.email, 'not the password'));
    expect(result.status).toBe(401);
    expect(sequential).toBeLessThanOrEqual(2);
  });

  it('the authenticator-code step (POST /login/mfa): at most 3', async () => {
    const app = await createApp();
    const user = await createUser();
    const { secret } = await enrolTotp(await mfaSignedIn(user.email));
    const { browser, html } = await loginPage(app.client_id);
    const password = await browser.submitLogin(html, user.email, PASSWORD);
    const next = password.headers.get('location')!;
    expect(next).toMatch(/^\/login\/mfa\?flow=/);
    const page = await (await browser.fetch(next)).text();
    const code = await totpCode(secret, 1);
    const { sequential, result } = await roundTrips(() => browser.fetch('/login/mfa', form({ ...hiddenFields(page), code })));
    expect(result.status).toBe(303);
    expect(browser.cookies.has('__Host-edge-sso-session')).toBe(true);
    expect(sequential).toBeLessThanOrEqual(3);
  });

  it('the OIDC code exchange at the token endpoint: at most 2', async () => {
    const app = await oidcApp({ signing_alg: 'ES256' });
    const { browser } = await signedIn();
    await redeem(app, await codeFor(browser, app)); // warms the app and key caches
    const code = await codeFor(browser, app, { scope: 'openid profile offline_access' });
    const { sequential, result } = await roundTrips(() => redeem(app, code));
    expect(result.status).toBe(200);
    expect((await result.json<TokenResponse>()).refresh_token).toBeTruthy();
    expect(sequential).toBeLessThanOrEqual(2);
  });

  it('the OIDC refresh grant: at most 2', async () => {
    const app = await oidcApp({ signing_alg: 'ES256' });
    const { browser } = await signedIn();
    const first = await (await redeem(app, await codeFor(browser, app, { scope: 'openid profile offline_access' }))).json<TokenResponse>();
    const { sequential, result } = await roundTrips(() => refreshWith(app, first.refresh_token!));
    expect(result.status).toBe(200);
    expect((await result.json<TokenResponse>()).refresh_token).not.toBe(first.refresh_token);
    expect(sequential).toBeLessThanOrEqual(2);
  });

  it('userinfo: at most 1', async () => {
    const app = await oidcApp();
    const { browser, user } = await signedIn();
    const tokens = await (await redeem(app, await codeFor(browser, app))).json<TokenResponse>();
    const userinfo = () => call('/oauth2/userinfo', { headers: { authorization: `Bearer ${tokens.access_token}` } });
    await userinfo(); // warms the JWKS cache
    const { sequential, result } = await roundTrips(userinfo);
    expect(result.status).toBe(200);
    expect((await result.json<{ sub: string }>()).sub).toBe(user.id);
    expect(sequential).toBeLessThanOrEqual(1);
  });

  it('a console page (/admin/apps): read through a Sessions API session a replica may serve, never the primary binding', async () => {
    const user = await createUser({ roles: ['admin'] });
    const browser = new Browser();
    expect((await browser.signInThrough('/admin/apps', user.email, PASSWORD)).status).toBe(200);
    const withSession = vi.spyOn(env.DB, 'withSession');
    const primary = [vi.spyOn(env.DB, 'prepare'), vi.spyOn(env.DB, 'batch')];
    const { result, calls } = await roundTrips(() => browser.fetch('/admin/apps'));
    expect(result.status).toBe(200);
    expect(calls).toBeGreaterThan(0);
    for (const spy of primary) expect(spy).not.toHaveBeenCalled();
    expect(withSession).toHaveBeenCalledTimes(1);
    // Unconstrained (the nearest replica), or at a bookmark: never 'first-primary' for a page.
    expect(withSession.mock.calls[0]![0]).not.toBe('first-primary');
  });

  it('a console change is read back through the admin’s bookmark cookie', async () => {
    const user = await createUser({ roles: ['admin'] });
    const browser = new Browser();
    expect((await browser.signInThrough('/admin/apps', user.email, PASSWORD)).status).toBe(200);
    const page = await (await browser.fetch('/admin/apps/new?type=jwt_sso')).text();
    const name = `Replica ${Date.now()}`;
    const created = await browser.fetch('/admin/apps/new', form({ ...hiddenFields(page), name, redirect_urls: 'https://app.example.com/cb', signing_alg: 'HS256', response_mode: 'query', token_ttl_seconds: '300' }));
    expect(created.status).toBe(303);
    const cookie = created.headers.getSetCookie().find((line) => line.startsWith('__Host-edge-sso-d1='));
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    const bookmark = browser.cookies.get('__Host-edge-sso-d1');
    const withSession = vi.spyOn(env.DB, 'withSession');
    const list = await browser.fetch('/admin/apps');
    expect(withSession).toHaveBeenCalledWith(bookmark);
    expect(await list.text()).toContain(name);
  });
});

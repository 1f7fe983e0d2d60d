// The authorization endpoint: refused requests stay here, other errors go back to the app with
// state and iss, and prompt / max_age / login_hint behave as OIDC Core §3.1.2.1 says.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { Browser, call, createUser, delivered, hiddenFields, PASSWORD } from '../helpers';
import { authorizePath, challengeOf, oidcApp, REDIRECT, responseParams, signedIn, VERIFIER } from './support';

describe('requests that never redirect', () => {
  it('unknown client: a 404 page', async () => {
    const res = await call(authorizePath({ client_id: 'no-such-app' }));
    expect(res.status).toBe(404);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('Unknown application');
  });

  it('missing client_id or redirect_uri, or an unregistered redirect_uri: a 400 page', async () => {
    const app = await oidcApp();
    for (const path of [
      '/oauth2/authorize?response_type=code&scope=openid',
      `/oauth2/authorize?client_id=${app.client_id}&response_type=code&scope=openid`,
      authorizePath(app, { redirect_uri: 'https://evil.example.com/callback' }),
      authorizePath(app, { redirect_uri: 'https://rp.example.com/callback/' }),
      `${authorizePath(app)}&redirect_uri=${encodeURIComponent(REDIRECT)}`,
    ]) {
      const res = await call(path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('location'), path).toBeNull();
    }
    const page = await (await call(authorizePath(app, { redirect_uri: 'https://evil.example.com/callback' }))).text();
    expect(page).toContain('Redirect URL not registered');
  });

  it('an unregistered redirect_uri: only a signed-in admin sees the registered URLs', async () => {
    const app = await oidcApp();
    const path = authorizePath(app, { redirect_uri: 'https://evil.example.com/callback' });
    const anonymous = await (await call(path)).text();
    expect(anonymous).toContain('Redirect URL not registered');
    expect(anonymous).not.toContain(REDIRECT);
    const { browser: user } = await signedIn();
    expect(await (await user.fetch(path)).text()).not.toContain(REDIRECT);
    const { browser: admin } = await signedIn({ roles: ['admin'] });
    const shown = await admin.fetch(path);
    expect(shown.status).toBe(400);
    expect(await shown.text()).toContain(REDIRECT);
  });
});

describe('errors sent back to the app', () => {
  it.each([
    [{ response_type: 'token' }, 'unsupported_response_type'],
    [{ response_type: '' }, 'unsupported_response_type'],
    [{ scope: 'profile email' }, 'invalid_scope'],
    [{ code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'plain' }, 'invalid_request'],
    [{ code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM' }, 'invalid_request'],
    [{ code_challenge: 'too-short', code_challenge_method: 'S256' }, 'invalid_request'],
    [{ prompt: 'none login' }, 'invalid_request'],
    [{ max_age: '-1' }, 'invalid_request'],
    [{ response_mode: 'fragment' }, 'invalid_request'],
    [{ request: 'eyJhbGciOiJub25lIn0.e30.' }, 'request_not_supported'],
  ] as [Record<string, string>, string][])('%o → %s, with state and iss', async (params, error) => {
    const app = await oidcApp();
    const got = responseParams(await call(authorizePath(app, params)));
    expect(got.error).toBe(error);
    expect(got.error_description).toBeTruthy();
    expect(got.state).toBe('st-1');
    expect(got.iss).toBe('https://sso.test');
    expect(got.code).toBeUndefined();
  });

  it('a repeated parameter is invalid_request', async () => {
    const app = await oidcApp();
    const got = responseParams(await call(`${authorizePath(app)}&scope=openid`));
    expect(got).toMatchObject({ error: 'invalid_request', state: 'st-1' });
  });

  it('a public client without PKCE is refused', async () => {
    const app = await oidcApp({ token_endpoint_auth_method: 'none' });
    expect(responseParams(await call(authorizePath(app))).error).toBe('invalid_request');
  });

  it('errors travel by form_post when asked', async () => {
    const app = await oidcApp();
    const { target, params } = await delivered(await call(authorizePath(app, { response_mode: 'form_post', scope: 'email' })));
    expect(target).toBe(REDIRECT);
    expect(params).toMatchObject({ error: 'invalid_scope', state: 'st-1', iss: 'https://sso.test' });
  });
});

describe('signing in', () => {
  it('without a session, the login page; after sign-in, a code with state and iss at the registered URL', async () => {
    const app = await oidcApp();
    const user = await createUser();
    const browser = new Browser();
    const res = await browser.signInThrough(authorizePath(app, { code_challenge: await challengeOf(VERIFIER), code_challenge_method: 'S256' }), user.email, PASSWORD);
    const got = responseParams(res);
    expect(res.headers.get('location')!.startsWith(`${REDIRECT}?`)).toBe(true);
    expect(got.code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(got).toMatchObject({ state: 'st-1', iss: 'https://sso.test' });
  });

  it('one sign-in serves the JWT SSO URL and the OIDC endpoint', async () => {
    const app = await oidcApp();
    const user = await createUser();
    const browser = new Browser();
    await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD);
    expect(responseParams(await browser.fetch(authorizePath(app))).code).toBeTruthy();
  });

  it('form_post delivers the code in an auto-submitted form', async () => {
    const app = await oidcApp();
    const { browser } = await signedIn();
    const { target, params } = await delivered(await browser.fetch(authorizePath(app, { response_mode: 'form_post' })));
    expect(target).toBe(REDIRECT);
    expect(params).toMatchObject({ state: 'st-1', iss: 'https://sso.test' });
    expect(params.code).toBeTruthy();
  });

  it('POST continues as the same GET, so a cross-site form (no Lax cookie) still finds the session', async () => {
    const app = await oidcApp();
    const { browser } = await signedIn();
    const body = new URL(authorizePath(app), 'https://sso.test').searchParams;
    const posted = await call('/oauth2/authorize', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(posted.status).toBe(303);
    const location = posted.headers.get('location')!;
    expect(Object.fromEntries(new URL(location, 'https://sso.test').searchParams)).toEqual(Object.fromEntries(body));
    const res = await browser.fetch(location);
    expect(responseParams(res)).toMatchObject({ state: 'st-1' });
    expect(responseParams(res).code).toBeTruthy();
  });

  it('unknown parameters are ignored', async () => {
    const app = await oidcApp();
    const { browser } = await signedIn();
    const got = responseParams(await browser.fetch(authorizePath(app, { foo: 'bar', ui_locales: 'de', claims_locales: 'x', display: 'popup' })));
    expect(got.code).toBeTruthy();
  });

  it('login_hint pre-fills the email on the login page', async () => {
    const app = await oidcApp();
    const res = await call(authorizePath(app, { login_hint: 'ada@example.com' }));
    expect(res.status).toBe(303);
    const page = await call(res.headers.get('location')!);
    expect(await page.text()).toContain('value="ada@example.com"');
  });
});

describe('prompt and max_age', () => {
  it('prompt=none without a session: login_required at the app, never the login page', async () => {
    const app = await oidcApp();
    const res = await call(authorizePath(app, { prompt: 'none' }));
    expect(responseParams(res)).toMatchObject({ error: 'login_required', state: 'st-1', iss: 'https://sso.test' });
  });

  it('prompt=none with a session issues a code silently', async () => {
    const app = await oidcApp();
    const { browser } = await signedIn();
    expect(responseParams(await browser.fetch(authorizePath(app, { prompt: 'none' }))).code).toBeTruthy();
  });

  it('prompt=login sends a signed-in person to the login page, then issues a code for the new sign-in', async () => {
    const app = await oidcApp();
    const { browser, user } = await signedIn();
    const res = await browser.fetch(authorizePath(app, { prompt: 'login' }));
    expect(res.headers.get('location')).toMatch(/^\/login\?flow=/);
    const page = await browser.fetch(res.headers.get('location')!);
    const html = await page.text();
    const resumed = await browser.submitLogin(html, user.email, PASSWORD);
    expect(resumed.headers.get('location')).not.toContain('prompt=');
    expect(responseParams(await browser.fetch(resumed.headers.get('location')!)).code).toBeTruthy();
    expect(hiddenFields(html).flow).toBeTruthy();
  });

  it('max_age forces a new sign-in when the session is older, and not when it is fresh', async () => {
    const app = await oidcApp();
    const { browser } = await signedIn();
    expect(responseParams(await browser.fetch(authorizePath(app, { max_age: '3600' }))).code).toBeTruthy();
    // Age the session by rewriting its auth time, as if an hour had passed.
    const { keys } = await env.KV.list({ prefix: 'session:' });
    for (const { name } of keys) {
      const record = await env.KV.get<{ authTime: number }>(name, 'json');
      await env.KV.put(name, JSON.stringify({ ...record, authTime: record!.authTime - 7200 }));
    }
    expect((await browser.fetch(authorizePath(app, { max_age: '3600' }))).headers.get('location')).toMatch(/^\/login\?flow=/);
    expect(responseParams(await browser.fetch(authorizePath(app, { max_age: '3600', prompt: 'none' }))).error).toBe('login_required');
  });
});

// The whole JWT SSO flow, for every signing algorithm and every response mode.
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { admin, Browser, call, createApp, createUser, delivered, ORIGIN, PASSWORD } from '../helpers';

async function verify(token: string, app: { client_id: string; client_secret: string; signing_alg: string }): Promise<JWTPayload> {
  const options = { issuer: ORIGIN, audience: app.client_id, algorithms: [app.signing_alg] };
  if (app.signing_alg === 'HS256') {
    return (await jwtVerify(token, new TextEncoder().encode(app.client_secret), options)).payload;
  }
  const jwks = await (await call('/.well-known/jwks.json')).json<{ keys: [] }>();
  return (await jwtVerify(token, createLocalJWKSet(jwks), options)).payload;
}

describe.each(['HS256', 'RS256', 'ES256'] as const)('SSO with %s', (alg) => {
  describe.each(['query', 'fragment', 'form_post'] as const)('delivered by %s', (mode) => {
    it('signs the user in once and hands the app a verifiable id_token with the state', async () => {
      const app = await createApp({ signing_alg: alg, response_mode: mode, redirect_urls: ['https://app.example.com/cb', 'https://app.example.com/other'] });
      const user = await createUser({ given_name: 'Ada', family_name: 'Lovelace', username: 'ada', groups: ['staff', 'eng'] });
      const browser = new Browser();

      const first = await browser.fetch(`/sso/jwt/${app.client_id}?redirect_uri=${encodeURIComponent('https://app.example.com/other')}&state=xyz%20123`);
      expect(first.status).toBe(303);
      const loginUrl = first.headers.get('location')!;
      expect(loginUrl).toMatch(/^\/login\?flow=/);
      const page = await browser.fetch(loginUrl);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('Test App');
      expect(html).toContain('name="email"');
      expect(html).toContain('name="password"');

      const posted = await browser.submitLogin(html, user.email, PASSWORD);
      expect(posted.status).toBe(303);
      const back = await browser.fetch(posted.headers.get('location')!);
      const { target, params } = await delivered(back.clone());
      expect(target).toBe('https://app.example.com/other');
      expect(params.state).toBe('xyz 123');
      if (mode === 'form_post') {
        // The auto-submit script must reach the browser unescaped, with this response's CSP nonce.
        const page = await back.text();
        const nonce = /script-src 'nonce-([^']+)'/.exec(back.headers.get('content-security-policy')!)![1];
        expect(page).toContain(`<script nonce="${nonce}">document.getElementById("deliver").submit();</script>`);
        expect(back.headers.get('content-security-policy')).toContain('form-action');
        expect(back.headers.get('content-security-policy')).toContain('https://app.example.com');
      } else {
        const location = back.headers.get('location')!;
        expect(location.includes('#id_token=')).toBe(mode === 'fragment');
        expect(location.includes('?id_token=')).toBe(mode === 'query');
      }
      expect(back.headers.get('cache-control')).toBe('no-store');

      const header = decodeProtectedHeader(params.id_token!);
      expect(header.alg).toBe(alg);
      if (alg !== 'HS256') expect(header.kid).toBeTruthy();
      const claims = await verify(params.id_token!, app);
      expect(claims).toMatchObject({
        iss: ORIGIN,
        sub: user.id,
        aud: app.client_id,
        email: user.email,
        email_verified: false,
        name: 'Ada Lovelace',
        given_name: 'Ada',
        family_name: 'Lovelace',
        preferred_username: 'ada',
        groups: ['staff', 'eng'],
      });
      expect(claims.exp! - claims.iat!).toBe(300);
      expect(typeof claims.jti).toBe('string');
      expect(typeof claims.auth_time).toBe('number');

      // Signed in once: a second visit, to the same or another app, needs no password.
      const other = await createApp({ signing_alg: alg, response_mode: mode });
      const again = await delivered(await browser.fetch(`/sso/jwt/${other.client_id}`));
      expect(again.target).toBe('https://app.example.com/callback');
      const otherClaims = await verify(again.params.id_token!, other);
      expect(otherClaims.sub).toBe(user.id);
      expect(otherClaims.aud).toBe(other.client_id);
      expect(otherClaims.jti).not.toBe(claims.jti);
    });
  });
});

describe('the SSO URL', () => {
  it('also takes the client id as a query parameter and uses the first registered URL by default', async () => {
    const app = await createApp({ redirect_urls: 'https://a.example.com/first; https://a.example.com/second' });
    const user = await createUser();
    const browser = new Browser();
    const res = await browser.signInThrough(`/sso/jwt?client_id=${app.client_id}`, user.email, PASSWORD);
    const { target, params } = await delivered(res);
    expect(target).toBe('https://a.example.com/first');
    expect(params.id_token).toBeTruthy();
    expect(params.state).toBeUndefined();
  });

  it('keeps the query string of a registered redirect URL', async () => {
    const app = await createApp({ redirect_urls: ['https://a.example.com/cb?tenant=42'] });
    const user = await createUser();
    const res = await new Browser().signInThrough(`/sso/jwt/${app.client_id}?state=s`, user.email, PASSWORD);
    const url = new URL(res.headers.get('location')!);
    expect(url.searchParams.get('tenant')).toBe('42');
    expect(url.searchParams.get('state')).toBe('s');
  });

  it('uses the ISSUER-independent request origin as iss and honours a custom token lifetime', async () => {
    const app = await createApp({ token_ttl_seconds: 60 });
    const user = await createUser();
    const { params } = await delivered(await new Browser().signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD));
    const claims = await verify(params.id_token!, app);
    expect(claims.exp! - claims.iat!).toBe(60);
  });

  it('shows a 404 page, never a redirect, for an unknown client', async () => {
    const res = await call('/sso/jwt/no-such-client?redirect_uri=https%3A%2F%2Fevil.example%2F');
    expect(res.status).toBe(404);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('Unknown application');
  });

  it('shows a 400 page without the registered URLs to anyone not an admin, never a redirect, for an unregistered redirect_uri', async () => {
    const app = await createApp({ redirect_urls: ['https://app.example.com/cb', 'https://internal.example.com/staging-cb'] });
    const path = `/sso/jwt/${app.client_id}?redirect_uri=${encodeURIComponent('https://app.example.com/cb/extra')}`;
    const anonymous = await call(path);
    expect(anonymous.status).toBe(400);
    expect(anonymous.headers.get('location')).toBeNull();
    const html = await anonymous.text();
    expect(html).toContain('Redirect URL not registered');
    expect(html).toContain('Test App');
    expect(html).not.toContain('https://app.example.com/cb');
    expect(html).not.toContain('internal.example.com');
    expect(html).not.toMatch(/Differences|Closest registered/);

    // A signed-in user without the admin role sees no more than that.
    const user = await createUser();
    const userBrowser = new Browser();
    await userBrowser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD);
    const asUser = await (await userBrowser.fetch(path)).text();
    expect(asUser).toContain('Redirect URL not registered');
    expect(asUser).not.toContain('internal.example.com');
    expect(asUser).not.toMatch(/Differences/);
  });

  it('shows a signed-in admin the registered URLs and how the request differs', async () => {
    const app = await createApp({ redirect_urls: ['https://app.example.com/cb', 'https://internal.example.com/staging-cb'] });
    const adminUser = await createUser({ roles: ['admin'] });
    const browser = new Browser();
    await browser.signInThrough(`/sso/jwt/${app.client_id}`, adminUser.email, PASSWORD);
    const res = await browser.fetch(`/sso/jwt/${app.client_id}?redirect_uri=${encodeURIComponent('https://app.example.com/cb/extra')}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    const html = await res.text();
    expect(html).toContain('<li class="url">https://app.example.com/cb</li>');
    expect(html).toContain('<li class="url">https://internal.example.com/staging-cb</li>');
    expect(html).toMatch(/path is &quot;\/cb\/extra&quot;|path is "\/cb\/extra"/);
  });

  it('refuses a missing client id, an oversized state and an unknown prompt with 400', async () => {
    const app = await createApp();
    expect((await call('/sso/jwt')).status).toBe(400);
    expect((await call(`/sso/jwt/${app.client_id}?state=${'x'.repeat(3000)}`)).status).toBe(400);
    expect((await call(`/sso/jwt/${app.client_id}?prompt=consent`)).status).toBe(400);
  });

  it('prompt=login forces a new sign-in even with a live session, with a new session id', async () => {
    const app = await createApp();
    const user = await createUser();
    const browser = new Browser();
    await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD);
    const firstSession = browser.cookies.get('__Host-edge-sso-session');
    const forced = await browser.fetch(`/sso/jwt/${app.client_id}?prompt=login&state=p`);
    expect(forced.status).toBe(303);
    expect(forced.headers.get('location')).toMatch(/^\/login\?flow=/);
    const res = await browser.signInThrough(`/sso/jwt/${app.client_id}?prompt=login&state=p`, user.email, PASSWORD);
    const { params } = await delivered(res);
    expect(params.state).toBe('p');
    expect(browser.cookies.get('__Host-edge-sso-session')).not.toBe(firstSession);
  });

  it('prompt=none without a session tells the app login_required instead of showing a page', async () => {
    const app = await createApp();
    const res = await call(`/sso/jwt/${app.client_id}?prompt=none&state=q`);
    const { params } = await delivered(res);
    expect(params).toEqual({ error: 'login_required', state: 'q' });
  });

  it('stops issuing tokens when the admin disables the user', async () => {
    const app = await createApp();
    const user = await createUser();
    const browser = new Browser();
    await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD);
    expect((await admin('PATCH', `/users/${user.id}`, { disabled: true })).status).toBe(200);
    const res = await browser.fetch(`/sso/jwt/${app.client_id}`);
    expect(res.headers.get('location')).toMatch(/^\/login\?flow=/);
  });

  it('carries profile changes into tokens for live sessions', async () => {
    const app = await createApp();
    const user = await createUser({ groups: ['a'] });
    const browser = new Browser();
    await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD);
    await admin('PATCH', `/users/${user.id}`, { groups: ['a', 'b'], name: 'Ada King' });
    const { params } = await delivered(await browser.fetch(`/sso/jwt/${app.client_id}`));
    const claims = await verify(params.id_token!, app);
    expect(claims).toMatchObject({ groups: ['a', 'b'], name: 'Ada King' });
  });
});

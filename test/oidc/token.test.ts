// The token endpoint's authorization_code grant and client authentication.
import { env } from 'cloudflare:workers';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { admin, call } from '../helpers';
import { basic, challengeOf, codeFor, oidcApp, redeem, REDIRECT, refreshWith, signedIn, tokenRequest, VERIFIER, type TokenResponse } from './support';

async function jwks() {
  return createLocalJWKSet(await (await call('/.well-known/jwks.json')).json());
}

async function userinfoStatus(accessToken: string): Promise<number> {
  return (await call('/oauth2/userinfo', { headers: { authorization: `Bearer ${accessToken}` } })).status;
}

async function expectError(res: Response, status: number, error: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = (await res.json()) as { error: string; error_description: string };
  expect(body.error).toBe(error);
  expect(body.error_description).toBeTruthy();
}

describe('authorization_code grant', () => {
  it('answers exactly 200 with Bearer tokens, no-store, and a verifiable ID token with the request nonce', async () => {
    const app = await oidcApp({ signing_alg: 'ES256', attribute_map: { first_name: 'given_name', mail: 'email' } });
    const { browser, user } = await signedIn({ given_name: 'Ada', groups: ['eng'] });
    const code = await codeFor(browser, app, { nonce: 'n-0S6', scope: 'openid profile' });
    const res = await redeem(app, code);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const body = (await res.json()) as TokenResponse;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'id_token', 'scope', 'token_type']);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'openid profile' });
    expect(decodeProtectedHeader(body.id_token)).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    const { payload } = await jwtVerify(body.id_token, await jwks(), { issuer: 'https://sso.test', audience: app.client_id });
    expect(payload).toMatchObject({ sub: user.id, nonce: 'n-0S6', amr: ['pwd'], given_name: 'Ada', first_name: 'Ada' });
    expect(payload.auth_time).toBeTypeOf('number');
    expect(payload.at_hash).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // email scope not granted: neither the claim nor its mapping.
    expect(payload.email).toBeUndefined();
    expect(payload.mail).toBeUndefined();
    expect(payload.groups).toBeUndefined();
    const access = await jwtVerify(body.access_token, await jwks(), { issuer: 'https://sso.test', audience: app.client_id, typ: 'at+jwt' });
    expect(access.payload).toMatchObject({ sub: user.id, client_id: app.client_id, scope: 'openid profile' });
  });

  it('an HS256 app gets RS256 ID tokens (OIDC clients refuse HMAC ones)', async () => {
    const app = await oidcApp({ signing_alg: 'HS256' });
    const { browser } = await signedIn();
    const body = (await (await redeem(app, await codeFor(browser, app))).json()) as TokenResponse;
    expect(decodeProtectedHeader(body.id_token).alg).toBe('RS256');
    await jwtVerify(body.id_token, await jwks(), { issuer: 'https://sso.test', audience: app.client_id });
  });

  it('offline_access adds a refresh token', async () => {
    const app = await oidcApp();
    const { browser } = await signedIn();
    const body = (await (await redeem(app, await codeFor(browser, app, { scope: 'openid offline_access' }))).json()) as TokenResponse;
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.scope).toBe('openid offline_access');
  });

  it('a second redemption fails and revokes every token issued from the code', async () => {
    const app = await oidcApp();
    const { browser } = await signedIn();
    const code = await codeFor(browser, app, { scope: 'openid offline_access' });
    const first = (await (await redeem(app, code)).json()) as TokenResponse;
    expect(await userinfoStatus(first.access_token)).toBe(200);
    await expectError(await redeem(app, code), 400, 'invalid_grant');
    expect(await userinfoStatus(first.access_token)).toBe(401);
    await expectError(await refreshWith(app, first.refresh_token!), 400, 'invalid_grant');
  });

  it('20 parallel redemptions of one code: exactly one succeeds', async () => {
    const app = await oidcApp();
    const { browser } = await signedIn();
    const code = await codeFor(browser, app);
    const results = await Promise.all(Array.from({ length: 20 }, () => redeem(app, code)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(19);
  });

  it('an expired code is refused', async () => {
    const app = await oidcApp();
    const { browser } = await signedIn();
    const code = await codeFor(browser, app);
    // Age every code past its 60 s lifetime, as if a minute had passed.
    await env.DB.prepare('UPDATE oauth_codes SET expires_at = expires_at - 61').run();
    await expectError(await redeem(app, code), 400, 'invalid_grant');
  });

  it('a code issued to another client is refused, and burnt for its own client', async () => {
    const app = await oidcApp();
    const other = await oidcApp();
    const { browser } = await signedIn();
    const code = await codeFor(browser, app);
    await expectError(await redeem(other, code), 400, 'invalid_grant');
    await expectError(await redeem(app, code), 400, 'invalid_grant');
  });

  it('a different redirect_uri is refused', async () => {
    const app = await oidcApp({ redirect_urls: [REDIRECT, 'https://rp.example.com/other'] });
    const { browser } = await signedIn();
    await expectError(await redeem(app, await codeFor(browser, app), { redirect_uri: 'https://rp.example.com/other' }), 400, 'invalid_grant');
    await expectError(await redeem(app, await codeFor(browser, app), { redirect_uri: '' }), 400, 'invalid_request');
  });

  it('PKCE: a missing or wrong verifier is refused, and a verifier without a challenge too', async () => {
    const app = await oidcApp();
    const { browser } = await signedIn();
    const missing = await codeFor(browser, app);
    const res = await tokenRequest({ grant_type: 'authorization_code', code: missing, redirect_uri: REDIRECT }, { authorization: basic(app.client_id, app.client_secret) });
    await expectError(res, 400, 'invalid_grant');
    await expectError(await redeem(app, await codeFor(browser, app), { code_verifier: `${VERIFIER}x` }), 400, 'invalid_grant');
    await expectError(await redeem(app, await codeFor(browser, app), { code_verifier: await challengeOf(VERIFIER) }), 400, 'invalid_grant');
    const noChallenge = await codeFor(browser, app, { code_challenge: '', code_challenge_method: '' }).catch(() => null);
    expect(noChallenge).toBeNull(); // an empty challenge is itself refused at the authorization endpoint
  });

  it('a confidential client may skip PKCE, but then may not send a verifier', async () => {
    const app = await oidcApp();
    const { browser } = await signedIn();
    const authorize = async () => {
      const res = await browser.fetch(`/oauth2/authorize?${new URLSearchParams({ client_id: app.client_id, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid' })}`);
      return new URL(res.headers.get('location')!).searchParams.get('code')!;
    };
    const withoutVerifier = (code: string) => tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, { authorization: basic(app.client_id, app.client_secret) });
    expect((await withoutVerifier(await authorize())).status).toBe(200);
    await expectError(await redeem(app, await authorize()), 400, 'invalid_grant');
  });

  it('unknown codes, missing parameters and other grant types get JSON errors', async () => {
    const app = await oidcApp();
    const auth = { authorization: basic(app.client_id, app.client_secret) };
    await expectError(await redeem(app, 'not-a-code'), 400, 'invalid_grant');
    await expectError(await tokenRequest({ grant_type: 'authorization_code', redirect_uri: REDIRECT }, auth), 400, 'invalid_request');
    await expectError(await tokenRequest({ grant_type: 'password', username: 'a', password: 'b' }, auth), 400, 'unsupported_grant_type');
    await expectError(await tokenRequest({}, auth), 400, 'invalid_request');
    await expectError(await call('/oauth2/token', { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{}' }), 400, 'invalid_request');
    const twice = await call('/oauth2/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth }, body: 'grant_type=authorization_code&code=a&code=b' });
    await expectError(twice, 400, 'invalid_request');
  });
});

describe('client authentication', () => {
  it('a bad secret: 401 invalid_client with a Basic challenge', async () => {
    const app = await oidcApp();
    const res = await tokenRequest({ grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT }, { authorization: basic(app.client_id, 'wrong') });
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="edge-sso", error="invalid_client", error_description="Client authentication failed."');
    await expectError(res, 401, 'invalid_client');
    const unknown = await tokenRequest({ grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT }, { authorization: basic('no-such-app', 'x') });
    await expectError(unknown, 401, 'invalid_client');
  });

  it('Basic credentials are percent-decoded (RFC 6749 §2.3.1)', async () => {
    const app = await oidcApp({ client_id: `odd.id_${Date.now()}` });
    const { browser } = await signedIn();
    const code = await codeFor(browser, app);
    // Every character percent-encoded: a server that skips decoding sees a different ID and secret.
    const everything = (s: string) => Array.from(new TextEncoder().encode(s), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    const header = `Basic ${btoa(`${everything(app.client_id)}:${everything(app.client_secret)}`)}`;
    const res = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER }, { authorization: header });
    expect(res.status).toBe(200);
  });

  it('client_secret_post, when registered, and only then', async () => {
    const app = await oidcApp({ token_endpoint_auth_method: 'client_secret_post' });
    const { browser } = await signedIn();
    const post = (code: string, secret = app.client_secret) =>
      tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER, client_id: app.client_id, client_secret: secret });
    expect((await post(await codeFor(browser, app))).status).toBe(200);
    await expectError(await post(await codeFor(browser, app), 'wrong'), 401, 'invalid_client');
    const viaBasic = await redeem(app, await codeFor(browser, app));
    expect(viaBasic.headers.get('www-authenticate')).toMatch(/^Basic realm="edge-sso", error="invalid_client", error_description="[^"]+"$/);
    await expectError(viaBasic, 401, 'invalid_client');
  });

  it('a public client (none) redeems with PKCE and client_id only; a secret is refused', async () => {
    const app = await oidcApp({ token_endpoint_auth_method: 'none' });
    const { browser } = await signedIn();
    const asPublic = (code: string) => tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER, client_id: app.client_id });
    const res = await asPublic(await codeFor(browser, app));
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    await expectError(await redeem(app, await codeFor(browser, app)), 401, 'invalid_client');
  });

  it('a confidential client cannot pose as public', async () => {
    const app = await oidcApp();
    const { browser } = await signedIn();
    const res = await tokenRequest({ grant_type: 'authorization_code', code: await codeFor(browser, app), redirect_uri: REDIRECT, code_verifier: VERIFIER, client_id: app.client_id });
    await expectError(res, 401, 'invalid_client');
  });

  it('the admin API takes and shows token_endpoint_auth_method and backchannel_logout_uri', async () => {
    const app = await oidcApp({ token_endpoint_auth_method: 'client_secret_post', backchannel_logout_uri: 'https://rp.example.com/backchannel' });
    expect(app).toMatchObject({ token_endpoint_auth_method: 'client_secret_post', backchannel_logout_uri: 'https://rp.example.com/backchannel' });
    expect((await oidcApp()).token_endpoint_auth_method).toBe('client_secret_basic');
    const bad = await admin('POST', '/apps', { name: 'x', redirect_urls: [REDIRECT], token_endpoint_auth_method: 'private_key_jwt', backchannel_logout_uri: 'http://rp.example.com/bc' });
    expect(bad.status).toBe(400);
    const { fields } = (await bad.json()) as { fields: Record<string, string> };
    expect(Object.keys(fields).sort()).toEqual(['backchannel_logout_uri', 'token_endpoint_auth_method']);
    const cleared = await admin('PATCH', `/apps/${app.client_id}`, { backchannel_logout_uri: null, token_endpoint_auth_method: 'none' });
    expect(await cleared.json()).toMatchObject({ backchannel_logout_uri: null, token_endpoint_auth_method: 'none' });
  });
});

// Userinfo, introspection and revocation.
import { describe, expect, it } from 'vitest';
import { call } from '../helpers';
import { basic, codeFor, form, oidcApp, redeem, refreshWith, signedIn, type TokenResponse } from './support';

async function tokensFor(scope = 'openid profile email groups offline_access', appFields: Record<string, unknown> = {}) {
  const app = await oidcApp(appFields);
  const { browser, user } = await signedIn({ given_name: 'Ada', groups: ['eng', 'ops'] });
  const tokens = (await (await redeem(app, await codeFor(browser, app, { scope }))).json()) as TokenResponse;
  return { app, user, tokens };
}

const userinfo = (token: string) => call('/oauth2/userinfo', { headers: { authorization: `Bearer ${token}` } });

describe('userinfo', () => {
  it('GET with a Bearer header returns the claims of the granted scopes, sub equal to the ID token', async () => {
    const { user, tokens } = await tokensFor('openid email', { attribute_map: { mail: 'email', first_name: 'given_name' } });
    const res = await userinfo(tokens.access_token);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ sub: user.id, email: user.email, email_verified: false, mail: user.email });
  });

  it('POST with the token in the form body, and with the header', async () => {
    const { user, tokens } = await tokensFor();
    const viaBody = await form('/oauth2/userinfo', { access_token: tokens.access_token });
    expect(await viaBody.json()).toMatchObject({ sub: user.id, given_name: 'Ada', groups: ['eng', 'ops'] });
    const viaHeader = await call('/oauth2/userinfo', { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(viaHeader.status).toBe(200);
  });

  it('reflects the current profile, not the one at sign-in', async () => {
    const { user, tokens } = await tokensFor();
    const { admin } = await import('../helpers');
    await admin('PATCH', `/users/${user.id}`, { given_name: 'Augusta' });
    expect(((await (await userinfo(tokens.access_token)).json()) as { given_name: string }).given_name).toBe('Augusta');
  });

  it('a bad, tampered or foreign token: 401 with an invalid_token Bearer challenge', async () => {
    const { tokens } = await tokensFor();
    const [h, p, s] = tokens.access_token.split('.');
    const tampered = `${h}.${p}.${s!.slice(0, -4)}AAAA`;
    for (const token of ['garbage', tampered, tokens.id_token]) {
      const res = await userinfo(token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="edge-sso", error="invalid_token"/);
    }
  });

  it('no token: 401 with a bare Bearer challenge; two tokens: 400', async () => {
    const none = await call('/oauth2/userinfo');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="edge-sso"');
    const { tokens } = await tokensFor();
    const both = await form('/oauth2/userinfo', { access_token: tokens.access_token }, { authorization: `Bearer ${tokens.access_token}` });
    expect(both.status).toBe(400);
  });
});

describe('introspection', () => {
  it('a confidential client learns about its own live access and refresh tokens', async () => {
    const { app, user, tokens } = await tokensFor();
    const auth = { authorization: basic(app.client_id, app.client_secret) };
    const access = (await (await form('/oauth2/introspect', { token: tokens.access_token }, auth)).json()) as Record<string, unknown>;
    expect(access).toMatchObject({ active: true, sub: user.id, client_id: app.client_id, scope: 'openid profile email groups offline_access', token_type: 'Bearer', iss: 'https://sso.test' });
    const refresh = (await (await form('/oauth2/introspect', { token: tokens.refresh_token!, token_type_hint: 'refresh_token' }, auth)).json()) as Record<string, unknown>;
    expect(refresh).toMatchObject({ active: true, sub: user.id, client_id: app.client_id, token_type: 'refresh_token' });
  });

  it('unknown, foreign and revoked tokens are inactive', async () => {
    const { app, tokens } = await tokensFor();
    const other = await oidcApp();
    const auth = { authorization: basic(app.client_id, app.client_secret) };
    expect(await (await form('/oauth2/introspect', { token: 'nope' }, auth)).json()).toEqual({ active: false });
    expect(await (await form('/oauth2/introspect', { token: tokens.access_token }, { authorization: basic(other.client_id, other.client_secret) })).json()).toEqual({ active: false });
    await refreshWith(app, tokens.refresh_token!); // rotated: the old one is no longer live
    expect(await (await form('/oauth2/introspect', { token: tokens.refresh_token! }, auth)).json()).toEqual({ active: false });
  });

  it('requires client authentication, and a confidential client', async () => {
    const { tokens } = await tokensFor();
    const anonymous = await form('/oauth2/introspect', { token: tokens.access_token });
    expect(anonymous.status).toBe(401);
    const pub = await oidcApp({ token_endpoint_auth_method: 'none' });
    const asPublic = await form('/oauth2/introspect', { token: tokens.access_token, client_id: pub.client_id });
    expect(asPublic.status).toBe(401);
    expect(((await asPublic.json()) as { error: string }).error).toBe('invalid_client');
  });
});

describe('revocation', () => {
  it('revoking an access token stops it at userinfo and introspection', async () => {
    const { app, tokens } = await tokensFor();
    const auth = { authorization: basic(app.client_id, app.client_secret) };
    const res = await form('/oauth2/revoke', { token: tokens.access_token, token_type_hint: 'access_token' }, auth);
    expect(res.status).toBe(200);
    expect((await userinfo(tokens.access_token)).status).toBe(401);
    expect(await (await form('/oauth2/introspect', { token: tokens.access_token }, auth)).json()).toEqual({ active: false });
    // Only that token: the refresh token still works.
    expect((await refreshWith(app, tokens.refresh_token!)).status).toBe(200);
  });

  it('revoking a refresh token revokes its family, access tokens included', async () => {
    const { app, tokens } = await tokensFor();
    const res = await form('/oauth2/revoke', { token: tokens.refresh_token! }, { authorization: basic(app.client_id, app.client_secret) });
    expect(res.status).toBe(200);
    expect((await refreshWith(app, tokens.refresh_token!)).status).toBe(400);
    expect((await userinfo(tokens.access_token)).status).toBe(401);
  });

  it('unknown tokens and other clients’ tokens answer 200 and change nothing', async () => {
    const { tokens } = await tokensFor();
    const other = await oidcApp();
    const auth = { authorization: basic(other.client_id, other.client_secret) };
    expect((await form('/oauth2/revoke', { token: 'unknown' }, auth)).status).toBe(200);
    expect((await form('/oauth2/revoke', { token: tokens.access_token }, auth)).status).toBe(200);
    expect((await userinfo(tokens.access_token)).status).toBe(200);
  });

  it('a bad client secret is 401, a missing token 400', async () => {
    const { app } = await tokensFor();
    expect((await form('/oauth2/revoke', { token: 'x' }, { authorization: basic(app.client_id, 'wrong') })).status).toBe(401);
    expect((await form('/oauth2/revoke', {}, { authorization: basic(app.client_id, app.client_secret) })).status).toBe(400);
  });
});

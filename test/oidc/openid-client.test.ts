// openid-client v6, a certified relying party library, against the Worker inside workerd: it
// checks what hand-written requests could get wrong (iss in the response, at_hash, nonce, PKCE,
// token_type, ID token signatures). The e2e suite runs it again over real HTTP.
import * as client from 'openid-client';
import { describe, expect, it } from 'vitest';
import { call, type Browser } from '../helpers';
import { oidcApp, REDIRECT, signedIn } from './support';

const ISSUER = new URL('https://sso.test');

async function discover(app: { client_id: string; client_secret: string }, auth: 'basic' | 'post' | 'none') {
  const authMethod = auth === 'basic' ? client.ClientSecretBasic(app.client_secret) : auth === 'post' ? client.ClientSecretPost(app.client_secret) : client.None();
  return client.discovery(ISSUER, app.client_id, undefined, authMethod, {
    [client.customFetch]: (url: string, options: client.CustomFetchOptions) => call(url, { method: options.method, headers: options.headers, body: options.body as BodyInit }),
  } as client.DiscoveryRequestOptions);
}

async function signIn(browser: Browser, config: client.Configuration, scope: string) {
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', nonce, state });
  const res = await browser.fetch(url.pathname + url.search);
  expect(res.status).toBe(303);
  return client.authorizationCodeGrant(config, new URL(res.headers.get('location')!), { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state, idTokenExpected: true });
}

describe('openid-client v6 in workerd', () => {
  it.each(['basic', 'post', 'none'] as const)('code flow with client_secret_%s, userinfo, refresh with reuse detection', async (auth) => {
    const method = { basic: 'client_secret_basic', post: 'client_secret_post', none: 'none' }[auth];
    const app = await oidcApp({ token_endpoint_auth_method: method, signing_alg: auth === 'post' ? 'ES256' : 'RS256' });
    const config = await discover(app, auth);
    const { browser, user } = await signedIn();

    const tokens = await signIn(browser, config, 'openid email offline_access');
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(user.id);
    expect(claims.email).toBe(user.email);

    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info.email).toBe(user.email);

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

    const logout = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'https://rp.example.com/signed-out', state: 'bye' });
    const out = await browser.fetch(logout.pathname + logout.search);
    expect(out.headers.get('location')).toBe('https://rp.example.com/signed-out?state=bye');
  });

  // openid-client reports a 401 by its WWW-Authenticate challenge (the JSON body is not read): the
  // error and its description must be in the challenge, or the relying party never learns them.
  it.each(['token', 'introspection', 'revocation'] as const)('a wrong client secret at the %s endpoint reaches openid-client as invalid_client', async (endpoint) => {
    const app = await oidcApp({ token_endpoint_auth_method: 'client_secret_basic' });
    const config = await discover({ ...app, client_secret: 'not the secret' }, 'basic');
    const attempt =
      endpoint === 'token' ? client.refreshTokenGrant(config, 'some-refresh-token') : endpoint === 'introspection' ? client.tokenIntrospection(config, 'some-token') : client.tokenRevocation(config, 'some-token');
    await expect(attempt).rejects.toMatchObject({
      status: 401,
      cause: [{ scheme: 'basic', parameters: { realm: 'edge-sso', error: 'invalid_client', error_description: 'Client authentication failed.' } }],
    });
  });
});

// Interop: openid-client v6 (a certified OpenID Connect relying party library) in Node against a
// real `wrangler dev` worker, with the user signing in at edge-sso's login page in headless
// Chromium. Covers discovery; the code flow with client_secret_post, client_secret_basic (with a
// client ID and secret that openid-client percent-encodes) and a public client (none + PKCE);
// userinfo; refresh with rotation and reuse detection; and RP-initiated logout with state.
import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAtLoginPage, testUser } from './oidc-support';
import { arriveAt, describePage, launchChromium, newPage, startLocalWorker, startStubApp, stopAll, withDiagnostics, type LocalWorker, type PageRecorder, type StubApp } from './support';

const USER = testUser();
const SCOPE = 'openid email profile groups offline_access';

interface CreatedApp {
  client_id: string;
  client_secret?: string;
}

describe('openid-client v6 against edge-sso', () => {
  let worker: LocalWorker;
  let rp: StubApp; // where the browser lands with the code; the test reads the URL from Chromium
  let browser: Browser;
  let userId: string;
  let setupError: unknown;

  beforeAll(async () => {
    try {
      browser = await launchChromium();
      worker = await startLocalWorker();
      rp = await startStubApp({ body: 'relying party' });
      userId = (await worker.api<{ id: string }>('POST', '/users', USER)).id;
    } catch (error) {
      setupError = error;
    }
  });

  afterAll(async () => {
    await stopAll();
  });

  const discover = (clientId: string, auth: client.ClientAuth) =>
    client.discovery(new URL(worker.url), clientId, undefined, auth, { execute: [client.allowInsecureRequests] });

  async function register(name: string, fields: Record<string, unknown>): Promise<CreatedApp & { redirectUri: string; signedOutUri: string }> {
    const redirectUri = `${rp.url}/cb/${name}`;
    const signedOutUri = `${rp.url}/signed-out/${name}`;
    const app = await worker.api<CreatedApp>('POST', '/apps', { name: `openid-client ${name}`, redirect_urls: [redirectUri], logout_urls: [signedOutUri], ...fields });
    return { ...app, redirectUri, signedOutUri };
  }

  /** The authorization code flow as an app runs it; `signIn` when the browser has no edge-sso session yet. */
  async function codeFlow(page: Page, config: client.Configuration, redirectUri: string, signIn: boolean) {
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: SCOPE,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const landed = (u: URL) => u.href.startsWith(`${redirectUri}?`);
    if (signIn) {
      await arriveAt(page, (u) => u.origin === worker.url && u.pathname === '/login', () => page.goto(url.href));
      await signInAtLoginPage(page, worker.url, USER, landed);
    } else {
      await arriveAt(page, landed, () => page.goto(url.href));
    }
    // Checks state, iss (RFC 9207), the code exchange with PKCE, and the ID token (signature via the JWKS, iss, aud, exp, nonce).
    return client.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
  }

  async function expectTokensFor(config: client.Configuration, tokens: Awaited<ReturnType<typeof codeFlow>>, clientId: string) {
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.expires_in).toBeGreaterThan(0);
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: worker.url, sub: userId, aud: clientId, email: USER.email });
    expect(claims.auth_time).toBeTypeOf('number');
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(userinfo).toMatchObject({ sub: userId, email: USER.email, name: USER.name, groups: USER.groups });
  }

  async function run(body: (page: Page) => Promise<void>, recorderRef: { recorder?: PageRecorder } = {}) {
    if (setupError) throw setupError;
    const { page, recorder, close } = await newPage(browser);
    recorderRef.recorder = recorder;
    try {
      await withDiagnostics(() => body(page), { sources: () => [worker], extra: () => ({ 'browser activity': recorder.text() }) }).catch(async (error: Error) => {
        error.message = `${error.message}\n--- browser page now ---\n${await describePage(page)}`;
        throw error;
      });
    } finally {
      await close();
    }
  }

  it('discovers the provider from the issuer URL', async () => {
    if (setupError) throw setupError;
    const app = await register('discovery', {});
    const config = await discover(app.client_id, client.ClientSecretBasic(app.client_secret!));
    const meta = config.serverMetadata();
    expect(meta).toMatchObject({
      issuer: worker.url,
      authorization_endpoint: `${worker.url}/oauth2/authorize`,
      token_endpoint: `${worker.url}/oauth2/token`,
      userinfo_endpoint: `${worker.url}/oauth2/userinfo`,
      jwks_uri: `${worker.url}/.well-known/jwks.json`,
      end_session_endpoint: `${worker.url}/oauth2/logout`,
      revocation_endpoint: `${worker.url}/oauth2/revoke`,
      introspection_endpoint: `${worker.url}/oauth2/introspect`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      subject_types_supported: ['public'],
      authorization_response_iss_parameter_supported: true,
    });
    expect(meta.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'none']));
    expect(meta.id_token_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS256', 'ES256']));
    expect(meta.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'groups', 'offline_access']));
    // RFC 8414's name for the same document.
    const oauthMeta = await (await fetch(`${worker.url}/.well-known/oauth-authorization-server`)).json();
    expect(oauthMeta).toMatchObject({ issuer: worker.url, token_endpoint: meta.token_endpoint });
  });

  it('client_secret_post, then client_secret_basic with a percent-encoded client ID and secret, in one browser session', async () => {
    await run(async (page) => {
      const post = await register('post', { token_endpoint_auth_method: 'client_secret_post', signing_alg: 'ES256' });
      const postConfig = await discover(post.client_id, client.ClientSecretPost(post.client_secret!));
      await expectTokensFor(postConfig, await codeFlow(page, postConfig, post.redirectUri, true), post.client_id);

      // openid-client form-urlencodes the ID and secret before Base64 (RFC 6749 2.3.1): ".", "_"
      // and "-" become %2E, %5F and %2D, which edge-sso must decode.
      const basic = await register('basic', { client_id: `e2e.basic_client-${randomBytes(3).toString('hex')}`, token_endpoint_auth_method: 'client_secret_basic' });
      let secret = basic.client_secret!;
      for (let i = 0; i < 30 && !/[-_]/.test(secret); i++) {
        secret = (await worker.api<{ client_secret: string }>('POST', `/apps/${basic.client_id}/secret`)).client_secret;
      }
      expect(secret, 'a secret with a character openid-client percent-encodes').toMatch(/[-_]/);
      const basicConfig = await discover(basic.client_id, client.ClientSecretBasic(secret));
      // The same Chromium session: no second sign-in, the browser goes straight back with a code.
      await expectTokensFor(basicConfig, await codeFlow(page, basicConfig, basic.redirectUri, false), basic.client_id);

      // A wrong secret is refused with 401 invalid_client and a Basic challenge.
      const wrong = await discover(basic.client_id, client.ClientSecretBasic(`${secret}x`));
      const refusal = await codeFlow(page, wrong, basic.redirectUri, false).then(
        () => null,
        (error: client.WWWAuthenticateChallengeError) => error,
      );
      expect(refusal, 'a wrong secret is refused').toBeInstanceOf(client.WWWAuthenticateChallengeError);
      expect(refusal!.status).toBe(401);
      expect(refusal!.cause.map((challenge) => challenge.scheme)).toContain('basic');
      expect(await refusal!.response.json()).toMatchObject({ error: 'invalid_client' });
    });
  });

  it('a public client (none) with PKCE, refresh rotation and reuse detection', async () => {
    await run(async (page) => {
      const app = await register('public', { token_endpoint_auth_method: 'none' });
      const config = await discover(app.client_id, client.None());
      const tokens = await codeFlow(page, config, app.redirectUri, true);
      await expectTokensFor(config, tokens, app.client_id);
      const first = tokens.refresh_token!;
      expect(first, 'offline_access was granted: a refresh token').toBeTruthy();

      // Rotation: each use returns a new refresh token and a working access token.
      const second = await client.refreshTokenGrant(config, first);
      expect(second.refresh_token).toBeTruthy();
      expect(second.refresh_token).not.toBe(first);
      expect(second.claims()?.sub).toBe(userId);
      expect((await client.fetchUserInfo(config, second.access_token, userId)).email).toBe(USER.email);
      const third = await client.refreshTokenGrant(config, second.refresh_token!);
      expect(third.refresh_token).not.toBe(second.refresh_token);

      // Reuse detection: replaying a rotated token fails and revokes the whole family, including the newest.
      await expect(client.refreshTokenGrant(config, first)).rejects.toMatchObject({ error: 'invalid_grant' });
      await expect(client.refreshTokenGrant(config, third.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    });
  });

  it('a public client (none) is registered without a secret', async () => {
    if (setupError) throw setupError;
    // ES256: the JWT SSO URL needs no secret either (an HS256 app's SSO tokens are signed with it).
    const app = await register('public-secret', { token_endpoint_auth_method: 'none', signing_alg: 'ES256' });
    // Issue #7: "none, a public client for SPAs and native apps. PKCE is mandatory for it, and it has no secret."
    expect(app.client_secret, 'a public client has no secret').toBeUndefined();
  });

  it('refresh tokens are bound to their client', async () => {
    await run(async (page) => {
      const mine = await register('bound-a', { token_endpoint_auth_method: 'client_secret_post' });
      const other = await register('bound-b', { token_endpoint_auth_method: 'client_secret_post' });
      const config = await discover(mine.client_id, client.ClientSecretPost(mine.client_secret!));
      const tokens = await codeFlow(page, config, mine.redirectUri, true);
      const otherConfig = await discover(other.client_id, client.ClientSecretPost(other.client_secret!));
      await expect(client.refreshTokenGrant(otherConfig, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    });
  });

  it('buildEndSessionUrl signs the user out and returns to the registered URL with the state', async () => {
    await run(async (page) => {
      const app = await register('logout', { token_endpoint_auth_method: 'client_secret_basic' });
      const config = await discover(app.client_id, client.ClientSecretBasic(app.client_secret!));
      const tokens = await codeFlow(page, config, app.redirectUri, true);
      const state = client.randomState();
      const end = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: app.signedOutUri, state });
      expect(end.href.startsWith(`${worker.url}/oauth2/logout?`)).toBe(true);
      await arriveAt(page, (u) => u.href.startsWith(`${app.signedOutUri}?`), () => page.goto(end.href));
      expect(new URL(page.url()).searchParams.get('state')).toBe(state);

      // The edge-sso session is gone: prompt=none now answers login_required (with state and iss).
      const retry = client.randomState();
      const silent = client.buildAuthorizationUrl(config, {
        redirect_uri: app.redirectUri,
        scope: 'openid',
        prompt: 'none',
        state: retry,
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      });
      await arriveAt(page, (u) => u.href.startsWith(`${app.redirectUri}?`), () => page.goto(silent.href));
      const back = new URL(page.url()).searchParams;
      expect(Object.fromEntries(back)).toMatchObject({ error: 'login_required', state: retry, iss: worker.url });
    });
  });

  it('without an id_token_hint the person confirms "Sign out?", and one click ends at the registered URL (CSP form-action lets the redirect through)', async () => {
    await run(async (page) => {
      const app = await register('logout-confirm', {});
      const config = await discover(app.client_id, client.ClientSecretBasic(app.client_secret!));
      await codeFlow(page, config, app.redirectUri, true);
      const end = new URL(`${worker.url}/oauth2/logout`);
      end.search = new URLSearchParams({ client_id: app.client_id, post_logout_redirect_uri: app.signedOutUri, state: 'after-confirm' }).toString();
      await page.goto(end.href);
      await page.getByRole('heading', { name: 'Sign out?' }).waitFor();
      await arriveAt(page, (u) => u.href.startsWith(`${app.signedOutUri}?`), () => page.getByRole('button', { name: 'Sign out' }).click());
      expect(new URL(page.url()).searchParams.get('state')).toBe('after-confirm');
    });
  });

  it('an unregistered post_logout_redirect_uri is never followed', async () => {
    await run(async (page) => {
      const app = await register('logout-bad', {});
      const config = await discover(app.client_id, client.ClientSecretBasic(app.client_secret!));
      const tokens = await codeFlow(page, config, app.redirectUri, true);
      const end = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: `${rp.url}/not-registered`, state: 'x' });
      const requestsBefore = rp.requests.length;
      await page.goto(end.href);
      expect(new URL(page.url()).origin).toBe(worker.url);
      expect(rp.requests.slice(requestsBefore).some((r) => r.includes('/not-registered'))).toBe(false);
    });
  });
});

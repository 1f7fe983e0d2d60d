// The generic OAuth2 client (src/federation/oauth2.ts) with the GitHub, Facebook and X presets,
// run against local servers that answer as those providers document (see
// ./federation-oauth2-providers.ts for each behaviour and the page it follows). The real
// providers cannot be reached from here, so what is checked is what the client controls: which
// endpoints it calls, with which parameters (client authentication, PKCE, scopes, headers),
// and what profile it makes of the answers.
//
// Documentation followed:
// - GitHub web application flow (GHES URL form): https://docs.github.com/en/enterprise-server@latest/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
// - GitHub GET /user: https://docs.github.com/en/rest/users/users#get-the-authenticated-user
// - GitHub GET /user/emails: https://docs.github.com/en/rest/users/emails#list-email-addresses-for-the-authenticated-user
// - GitHub User-Agent requirement: https://docs.github.com/en/rest/using-the-rest-api/getting-started-with-the-rest-api#user-agent
// - Facebook manual login flow: https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
// - Facebook Graph /me fields: https://developers.facebook.com/docs/graph-api/reference/user/
// - Facebook appsecret_proof: https://developers.facebook.com/docs/graph-api/securing-requests/#appsecret_proof
// - X OAuth 2.0 with PKCE: https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
// - X scopes (users.email): https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code
// - X GET /2/users/me: https://docs.x.com/x-api/users/get-my-user
import { createHash, createHmac } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { oauth2Client } from '../../src/federation/oauth2';
import { facebook } from '../../src/federation/presets/facebook';
import { github } from '../../src/federation/presets/github';
import { x } from '../../src/federation/presets/x';
import { UpstreamError, type IdentitySource, type Preset, type UpstreamAttempt } from '../../src/federation/types';
import { startLocalProviders, type LocalProviders, type ProviderUser } from './federation-oauth2-providers';
import { identitySource } from './stand-in';

const EDGE = 'https://sso.example.com';
const callback = (slug: string) => `${EDGE}/federation/${slug}/callback`;

const OCTOCAT: ProviderUser = {
  id: 583231,
  login: 'octocat',
  name: 'The Octocat',
  emails: [
    { email: 'octocat@github.com', primary: true, verified: true, visibility: 'public' },
    { email: 'octo-secondary@example.com', primary: false, verified: true, visibility: null },
  ],
};

let providers: LocalProviders;

beforeAll(async () => {
  providers = await startLocalProviders({
    apps: {
      github: { client_id: 'Iv1.gh-client', client_secret: 'gh-secret-123', redirect_uri: callback('github') },
      facebook: { client_id: '1234567890', client_secret: 'fb-app-secret', redirect_uri: callback('facebook') },
      x: { client_id: 'M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ', client_secret: 'x-secret_with-chars', redirect_uri: callback('x') },
    },
    users: {
      github: OCTOCAT,
      facebook: { id: '10158012345678901', login: 'jane', name: 'Jane Doe', emails: [{ email: 'jane@example.com', primary: true, verified: true, visibility: null }] },
      x: { id: '2244994945', login: 'TwitterDev', name: 'X Dev', emails: [{ email: 'dev@example.com', primary: true, verified: true, visibility: null }] },
    },
  });
});

afterAll(async () => {
  await providers?.close();
});

beforeEach(() => {
  providers.requests.length = 0;
  providers.users.github = OCTOCAT;
});

function sourceFor(preset: Preset, overrides: Partial<IdentitySource> = {}): IdentitySource {
  const app = providers.apps[preset.type as 'github' | 'facebook' | 'x'];
  return identitySource({ slug: preset.type, type: preset.type, name: preset.label, client_id: app.client_id, scopes: preset.default_scopes, ...overrides });
}

function clientFor(preset: Preset, overrides: Partial<IdentitySource> = {}) {
  const source = sourceFor(preset, overrides);
  const secret = providers.apps[preset.type as 'github' | 'facebook' | 'x'].client_secret;
  return oauth2Client(preset, source, { client_secret: secret }, { redirect_uri: callback(source.slug), allow_insecure: true, fetch: providers.fetch });
}

const newAttempt = (): UpstreamAttempt => ({ state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), code_verifier: oauth.generateRandomCodeVerifier() });
const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');
const paths = () => providers.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`);

describe('GitHub (Enterprise Server URL form)', () => {
  const ghes = () => clientFor(github, { config: { enterprise_url: providers.ghesUrl } });

  it('signs in: authorize with state and PKCE, code exchange with client_secret_post, /api/v3/user and /user/emails', async () => {
    const client = ghes();
    const attempt = newAttempt();
    const authorize = await client.authorizationUrl(attempt);
    expect(authorize.origin + authorize.pathname).toBe(`${providers.ghesUrl}/login/oauth/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toEqual({
      client_id: 'Iv1.gh-client',
      redirect_uri: callback('github'),
      response_type: 'code',
      scope: 'read:user user:email',
      state: attempt.state,
      code_challenge: s256(attempt.code_verifier),
      code_challenge_method: 'S256',
    });

    const back = await providers.consent(authorize.href, 'approve');
    expect(back.origin + back.pathname).toBe(callback('github'));
    const profile = await client.finish(back.searchParams, attempt);

    expect(paths()).toEqual([
      'GET /ghes/login/oauth/authorize',
      'POST /ghes/login/oauth/authorize',
      'POST /ghes/login/oauth/access_token',
      'GET /ghes/api/v3/user',
      'GET /ghes/api/v3/user/emails',
    ]);
    const token = providers.requests[2]!;
    expect(token.form).toMatchObject({
      grant_type: 'authorization_code',
      client_id: 'Iv1.gh-client',
      client_secret: 'gh-secret-123',
      redirect_uri: callback('github'),
      code: back.searchParams.get('code'),
      code_verifier: attempt.code_verifier,
    });
    expect(token.headers.authorization).toBeUndefined();
    expect(token.headers.accept).toBe('application/json');
    for (const api of providers.requests.slice(3)) {
      expect(api.headers).toMatchObject({ 'user-agent': 'edge-sso', accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' });
      expect(api.headers.authorization).toMatch(/^Bearer [0-9a-f]{32}$/);
    }

    expect(profile).toMatchObject({ subject: '583231', email: 'octocat@github.com', email_verified: true, name: 'The Octocat', username: 'octocat', groups: [] });
  });

  it('gives no email when the primary address is unverified, even with a verified secondary one', async () => {
    providers.users.github = {
      ...OCTOCAT,
      emails: [
        { email: 'unverified-primary@example.com', primary: true, verified: false, visibility: 'public' },
        { email: 'verified-secondary@example.com', primary: false, verified: true, visibility: null },
      ],
    };
    const client = ghes();
    const attempt = newAttempt();
    const back = await providers.consent((await client.authorizationUrl(attempt)).href, 'approve');
    const profile = await client.finish(back.searchParams, attempt);
    expect(profile.subject).toBe('583231');
    expect(profile.email).toBeUndefined();
    expect(profile.email_verified).toBe(false);
  });

  it('turns a cancelled sign-in (error=access_denied) into access_denied without calling the token endpoint', async () => {
    const client = ghes();
    const attempt = newAttempt();
    const back = await providers.consent((await client.authorizationUrl(attempt)).href, 'deny');
    expect(back.searchParams.get('error')).toBe('access_denied');
    const error = await client.finish(back.searchParams, attempt).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'access_denied', message: expect.stringContaining('cancelled') });
    expect(paths()).not.toContain('POST /ghes/login/oauth/access_token');
  });

  it('refuses a callback whose state is not this attempt’s, without redeeming the code', async () => {
    const client = ghes();
    const attempt = newAttempt();
    const back = await providers.consent((await client.authorizationUrl(attempt)).href, 'approve');
    const forged = new URLSearchParams(back.searchParams);
    forged.set('state', oauth.generateRandomState());
    await expect(client.finish(forged, attempt)).rejects.toMatchObject({ code: 'invalid_response' });
    expect(paths()).not.toContain('POST /ghes/login/oauth/access_token');
  });

  it('reads GitHub’s HTTP 200 error answer to a bad code as an error, never as a sign-in', async () => {
    const client = ghes();
    const attempt = newAttempt();
    const back = await providers.consent((await client.authorizationUrl(attempt)).href, 'approve');
    const replayed = new URLSearchParams(back.searchParams);
    await client.finish(back.searchParams, attempt);
    // The same code a second time: GitHub says bad_verification_code, with status 200.
    const error = await client.finish(replayed, attempt).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'token_error', detail: expect.stringContaining('bad_verification_code') });
    expect(paths().filter((p) => p === 'GET /ghes/api/v3/user')).toHaveLength(1);
  });

  it('is refused by the provider when the code_verifier does not match the challenge', async () => {
    const client = ghes();
    const attempt = newAttempt();
    const back = await providers.consent((await client.authorizationUrl(attempt)).href, 'approve');
    const error = await client.finish(back.searchParams, { ...attempt, code_verifier: oauth.generateRandomCodeVerifier() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'token_error', detail: expect.stringContaining('invalid_grant') });
  });

  it('fails with the source’s name, and the API’s answer for the admin, when the scopes do not allow /user/emails', async () => {
    const client = clientFor(github, { config: { enterprise_url: providers.ghesUrl }, scopes: ['read:user'], name: 'Acme GitHub' });
    const attempt = newAttempt();
    const back = await providers.consent((await client.authorizationUrl(attempt)).href, 'approve');
    const error = await client.finish(back.searchParams, attempt).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_response', message: 'Acme GitHub did not share your profile, so you were not signed in.' });
    expect((error as UpstreamError).detail).toMatch(/GitHub \/user\/emails answered HTTP 404/);
  });

  it('reports a wrong client secret as a refused sign-in', async () => {
    const source = sourceFor(github, { config: { enterprise_url: providers.ghesUrl } });
    const client = oauth2Client(github, source, { client_secret: 'wrong' }, { redirect_uri: callback('github'), allow_insecure: true, fetch: providers.fetch });
    const attempt = newAttempt();
    const back = await providers.consent((await client.authorizationUrl(attempt)).href, 'approve');
    await expect(client.finish(back.searchParams, attempt)).rejects.toMatchObject({ code: 'client_refused', detail: expect.stringContaining('incorrect_client_credentials') });
  });
});

describe('Facebook', () => {
  it('signs in: dialog/oauth without PKCE, Graph oauth/access_token with the app secret, /me with fields and appsecret_proof', async () => {
    const client = clientFor(facebook);
    const attempt = newAttempt();
    const authorize = await client.authorizationUrl(attempt);
    expect(authorize.origin + authorize.pathname).toBe('https://www.facebook.com/v23.0/dialog/oauth');
    expect(Object.fromEntries(authorize.searchParams)).toEqual({
      client_id: '1234567890',
      redirect_uri: callback('facebook'),
      response_type: 'code',
      scope: 'email public_profile',
      state: attempt.state,
    });

    const back = await providers.consent(authorize.href, 'approve');
    const profile = await client.finish(back.searchParams, attempt);

    const [, , token, me] = providers.requests;
    expect(token!.url).toBe('https://graph.facebook.com/v23.0/oauth/access_token');
    expect(token!.form).toEqual({
      grant_type: 'authorization_code',
      client_id: '1234567890',
      client_secret: 'fb-app-secret',
      redirect_uri: callback('facebook'),
      code: back.searchParams.get('code'),
    });
    const meUrl = new URL(me!.url);
    expect(meUrl.origin + meUrl.pathname).toBe('https://graph.facebook.com/v23.0/me');
    expect(meUrl.searchParams.get('fields')).toBe('id,name,email,first_name,last_name');
    const accessToken = String(me!.headers.authorization).replace(/^Bearer /, '');
    expect(meUrl.searchParams.get('appsecret_proof')).toBe(createHmac('sha256', 'fb-app-secret').update(accessToken).digest('hex'));

    expect(profile).toMatchObject({
      subject: '10158012345678901',
      email: 'jane@example.com',
      email_verified: false,
      name: 'Jane Doe',
      given_name: 'Jane',
      family_name: 'Doe',
    });
  });

  it('signs in without an email when the email permission is not requested', async () => {
    const client = clientFor(facebook, { scopes: ['public_profile'] });
    const attempt = newAttempt();
    const back = await providers.consent((await client.authorizationUrl(attempt)).href, 'approve');
    const profile = await client.finish(back.searchParams, attempt);
    expect(profile).toMatchObject({ subject: '10158012345678901', email: undefined, name: 'Jane Doe' });
  });

  it('turns Facebook’s denial redirect into access_denied', async () => {
    const client = clientFor(facebook);
    const attempt = newAttempt();
    const back = await providers.consent((await client.authorizationUrl(attempt)).href, 'deny');
    expect(back.searchParams.get('error_reason')).toBe('user_denied');
    await expect(client.finish(back.searchParams, attempt)).rejects.toMatchObject({ code: 'access_denied' });
  });
});

describe('X', () => {
  it('signs in: PKCE S256 at authorize, HTTP Basic client authentication and code_verifier at the token endpoint, /2/users/me', async () => {
    const client = clientFor(x, { scopes: ['users.read', 'tweet.read'] });
    const attempt = newAttempt();
    const authorize = await client.authorizationUrl(attempt);
    expect(authorize.origin + authorize.pathname).toBe('https://x.com/i/oauth2/authorize');
    expect(Object.fromEntries(authorize.searchParams)).toEqual({
      client_id: 'M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ',
      redirect_uri: callback('x'),
      response_type: 'code',
      scope: 'users.read tweet.read',
      state: attempt.state,
      code_challenge: s256(attempt.code_verifier),
      code_challenge_method: 'S256',
    });

    const back = await providers.consent(authorize.href, 'approve');
    const profile = await client.finish(back.searchParams, attempt);

    const [, , token, me] = providers.requests;
    expect(token!.url).toBe('https://api.x.com/2/oauth2/token');
    const basic = Buffer.from(String(token!.headers.authorization).replace(/^Basic /, ''), 'base64').toString('utf8');
    expect(basic.split(':').map(decodeURIComponent)).toEqual(['M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ', 'x-secret_with-chars']);
    expect(token!.form).toEqual({ grant_type: 'authorization_code', redirect_uri: callback('x'), code: back.searchParams.get('code'), code_verifier: attempt.code_verifier });
    // Without the users.email scope the client must not ask for confirmed_email.
    expect(me!.url).toBe('https://api.x.com/2/users/me?user.fields=id%2Cname%2Cusername');
    expect(profile).toMatchObject({ subject: '2244994945', name: 'X Dev', username: 'TwitterDev', email: undefined, email_verified: false });
  });

  it('gets the confirmed email with the default scopes, which include users.email', async () => {
    expect(x.default_scopes).toEqual(['users.read', 'tweet.read', 'users.email']);
    const client = clientFor(x);
    const attempt = newAttempt();
    const back = await providers.consent((await client.authorizationUrl(attempt)).href, 'approve');
    const profile = await client.finish(back.searchParams, attempt);
    const me = providers.requests.at(-1)!;
    expect(new URL(me.url).searchParams.get('user.fields')).toBe('id,name,username,confirmed_email');
    expect(profile).toMatchObject({ subject: '2244994945', email: 'dev@example.com', email_verified: true });
  });

  it('says in the console that the email needs the email permission', () => {
    expect(x.note).toMatch(/email permission/);
    expect(x.note).toMatch(/Request email from users/);
    expect(x.note).toMatch(/users\.email/);
  });
});

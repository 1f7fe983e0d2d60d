// The LinkedIn preset through the generic OIDC client, against a local stand-in of "Sign In with
// LinkedIn using OpenID Connect" with LinkedIn's quirks: the token endpoint wants client_id and
// client_secret in the body (its discovery document does not say so, which would otherwise mean
// HTTP Basic), answers `invalid_client` when a web app sends a PKCE code_verifier, and its ID
// tokens carry no nonce. Only the issuer differs from LinkedIn's (https://www.linkedin.com/oauth
// cannot be reached from here).
//
// LinkedIn's documentation the stand-in follows:
// - https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
//   (scopes openid profile email; ID token and userinfo claims; discovery at
//   https://www.linkedin.com/oauth/.well-known/openid-configuration)
// - https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow
//   (client_id and client_secret in the access token request body)
// - https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow-native
//   (PKCE only for native apps LinkedIn has enabled it for)
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { oidcClient } from '../../src/federation/oidc';
import { linkedin } from '../../src/federation/presets/linkedin';
import type { IdentitySource, OidcProtocol, Preset, UpstreamAttempt } from '../../src/federation/types';
import { identitySource, standInForFile } from './stand-in';

const CLIENT_ID = '86abcdefghij12';
const CLIENT_SECRET = `WPL_AP1.${randomBytes(12).toString('hex')}`;
const REDIRECT = 'https://sso.example.com/federation/linkedin/callback';
const SUB = '782bbtaQ';

const signing = await generateKeyPair('RS256');
const jwk: JWK = { ...(await exportJWK(signing.publicKey)), kid: 'd929668a-bab1-4c69-9598-4373149723ff', alg: 'RS256', use: 'sig' };
const authorizeRequests: URLSearchParams[] = [];
const tokenRequests: { form: Record<string, string>; authorization?: string }[] = [];
const codes = new Set<string>();
const accessTokens = new Set<string>();

const provider = standInForFile(async (req, reply) => {
  const { url } = req;
  const json = (status: number, body: unknown) => reply.json(status, body);
  switch (url.pathname) {
    case '/oauth/.well-known/openid-configuration':
      return json(200, {
        issuer: `${provider.base}/oauth`,
        authorization_endpoint: `${provider.base}/oauth/v2/authorization`,
        token_endpoint: `${provider.base}/oauth/v2/accessToken`,
        userinfo_endpoint: `${provider.base}/v2/userinfo`,
        jwks_uri: `${provider.base}/oauth/openid/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid', 'profile', 'email'],
        claims_supported: ['iss', 'aud', 'iat', 'exp', 'sub', 'name', 'given_name', 'family_name', 'picture', 'email', 'email_verified', 'locale'],
      });
    case '/oauth/openid/jwks':
      return json(200, { keys: [jwk] });
    case '/oauth/v2/authorization': {
      authorizeRequests.push(url.searchParams);
      if (url.searchParams.get('client_id') !== CLIENT_ID || url.searchParams.get('redirect_uri') !== REDIRECT) return json(400, { error: 'invalid_request' });
      const code = randomBytes(24).toString('base64url');
      codes.add(code);
      const back = new URL(REDIRECT);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      return reply.redirect(back.href);
    }
    case '/oauth/v2/accessToken': {
      const form = (req.form ?? {});
      tokenRequests.push({ form, authorization: req.headers.authorization });
      // Client credentials only in the body; a PKCE verifier from a web app is refused.
      if (form.client_id !== CLIENT_ID || form.client_secret !== CLIENT_SECRET || form.code_verifier !== undefined) {
        return json(401, { error: 'invalid_client', error_description: 'Client authentication failed' });
      }
      if (!codes.delete(form.code ?? '') || form.redirect_uri !== REDIRECT) return json(400, { error: 'invalid_request', error_description: 'Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code.' });
      const now = Math.floor(Date.now() / 1000);
      const idToken = await new SignJWT({ email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace', locale: 'en_US' })
        .setProtectedHeader({ alg: 'RS256', kid: jwk.kid!, typ: 'JWT' })
        .setIssuer(`${provider.base}/oauth`)
        .setAudience(CLIENT_ID)
        .setSubject(SUB)
        .setIssuedAt(now)
        .setExpirationTime(now + 3600)
        .sign(signing.privateKey);
      const access = randomBytes(20).toString('base64url');
      accessTokens.add(access);
      return json(200, { access_token: access, expires_in: 5183999, scope: 'email,openid,profile', token_type: 'Bearer', id_token: idToken });
    }
    case '/v2/userinfo':
      if (!accessTokens.has(String(req.headers.authorization).replace(/^Bearer /, ''))) return json(401, { serviceErrorCode: 65600, message: 'Invalid access token', status: 401 });
      return json(200, { sub: SUB, email_verified: true, name: 'Ada Lovelace', locale: { country: 'US', language: 'en' }, given_name: 'Ada', family_name: 'Lovelace', email: 'ada@example.com', picture: 'https://media.licdn.com/dms/image/x' });
    default:
      return json(404, {});
  }
});

const source = (): IdentitySource =>
  identitySource({ slug: 'linkedin', type: 'linkedin', name: 'LinkedIn', client_id: CLIENT_ID, scopes: linkedin.default_scopes });

describe('LinkedIn (OpenID Connect)', () => {
  it('signs in without PKCE or nonce, with the client secret in the body, and reads the profile', async () => {
    // The preset as it is, but for the issuer.
    const preset: Preset = { ...linkedin, protocol: { ...(linkedin.protocol as OidcProtocol), issuer: () => `${provider.base}/oauth` } };
    const client = oidcClient(preset, source(), { client_secret: CLIENT_SECRET }, { redirect_uri: REDIRECT, allow_insecure: true });
    const attempt: UpstreamAttempt = { state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), code_verifier: oauth.generateRandomCodeVerifier() };
    const answer = await fetch(await client.authorizationUrl(attempt), { redirect: 'manual' });
    const profile = await client.finish(new URL(answer.headers.get('location')!).searchParams, attempt);

    const authorize = authorizeRequests.at(-1)!;
    expect(authorize.get('scope')).toBe('openid profile email');
    expect(authorize.has('code_challenge')).toBe(false);
    expect(authorize.has('nonce')).toBe(false);
    const token = tokenRequests.at(-1)!;
    expect(token.authorization).toBeUndefined();
    expect(token.form).toMatchObject({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_type: 'authorization_code' });
    expect(token.form.code_verifier).toBeUndefined();

    expect(profile).toMatchObject({ subject: SUB, email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace' });
  });

  it('is exactly what LinkedIn needs: the same flow with PKCE is refused by the stand-in', async () => {
    const withPkce: Preset = { ...linkedin, protocol: { ...(linkedin.protocol as OidcProtocol), issuer: () => `${provider.base}/oauth`, pkce: true } };
    const client = oidcClient(withPkce, source(), { client_secret: CLIENT_SECRET }, { redirect_uri: REDIRECT, allow_insecure: true });
    const attempt: UpstreamAttempt = { state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), code_verifier: oauth.generateRandomCodeVerifier() };
    const answer = await fetch(await client.authorizationUrl(attempt), { redirect: 'manual' });
    await expect(client.finish(new URL(answer.headers.get('location')!).searchParams, attempt)).rejects.toMatchObject({ code: 'client_refused', detail: expect.stringContaining('invalid_client') });
  });
});

// The Apple preset through the generic OIDC client (src/federation/oidc.ts), against a local
// stand-in of Sign in with Apple that checks what Apple checks: the client secret must be an
// ES256 JWT signed with the team's key (kid = Key ID, iss = Team ID, sub = the Services ID,
// aud = https://appleid.apple.com, at most 6 months long), sent in the token request body; name
// or email scopes require response_mode=form_post, and the callback is a form POST whose `user`
// field carries the name on the first sign-in only; ID tokens carry email_verified as a string.
// Only the issuer differs from Apple's (the preset's is https://appleid.apple.com, which cannot
// be reached from here): the test uses the preset with its issuer pointed at the stand-in.
//
// Apple's documentation the stand-in follows:
// - https://developer.apple.com/documentation/accountorganizationaldatasharing/creating-a-client-secret
// - https://developer.apple.com/documentation/signinwithapple/request-an-authorization-to-the-sign-in-with-apple-server
// - https://developer.apple.com/documentation/signinwithapplerestapi/generate-and-validate-tokens
// - https://developer.apple.com/documentation/signinwithapple/authenticating-users-with-sign-in-with-apple (ID token claims)
// - Discovery: https://appleid.apple.com/.well-known/openid-configuration
import { randomBytes } from 'node:crypto';
import { decodeProtectedHeader, exportJWK, exportPKCS8, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose';
import * as oauth from 'oauth4webapi';
import { beforeEach, describe, expect, it } from 'vitest';
import { oidcClient } from '../../src/federation/oidc';
import { apple } from '../../src/federation/presets/apple';
import type { IdentitySource, OidcProtocol, Preset, UpstreamAttempt } from '../../src/federation/types';
import { identitySource, standInForFile } from './stand-in';

const TEAM_ID = 'A1B2C3D4E5';
const KEY_ID = 'KEY1234567';
const SERVICES_ID = 'com.example.signin';
const REDIRECT = 'https://sso.example.com/federation/apple/callback';
const APPLE_SUB = '001234.5f6e7d8c9b0a4f3e2d1c0b9a8f7e6d5c.1234';

const teamKey = await generateKeyPair('ES256', { extractable: true });
const TEAM_PEM = await exportPKCS8(teamKey.privateKey);
const appleSigning = await generateKeyPair('RS256');
const appleJwk: JWK = { ...(await exportJWK(appleSigning.publicKey)), kid: 'apple-1', use: 'sig', alg: 'RS256' };

const seenSecrets: string[] = [];
const tokenRequests: Record<string, string>[] = [];
const authorizeRequests: URLSearchParams[] = [];
/** Apple sends the name in `user` only the first time a person authorizes the app. */
let firstSignIn = true;
const codes = new Map<string, { nonce?: string }>();

const provider = standInForFile(async (req, reply) => {
  const { url } = req;
  const json = (status: number, body: unknown) => reply.json(status, body, 'application/json;charset=UTF-8');
  if (url.pathname === '/.well-known/openid-configuration') {
    return json(200, {
      issuer: provider.base,
      authorization_endpoint: `${provider.base}/auth/authorize`,
      token_endpoint: `${provider.base}/auth/token`,
      revocation_endpoint: `${provider.base}/auth/revoke`,
      jwks_uri: `${provider.base}/auth/keys`,
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'name'],
      token_endpoint_auth_methods_supported: ['client_secret_post'],
      claims_supported: ['aud', 'email', 'email_verified', 'exp', 'iat', 'is_private_email', 'iss', 'nonce', 'nonce_supported', 'real_user_status', 'sub', 'transfer_sub'],
    });
  }
  if (url.pathname === '/auth/keys') return json(200, { keys: [appleJwk] });
  if (url.pathname === '/auth/authorize') {
    const q = url.searchParams;
    authorizeRequests.push(q);
    if (q.get('client_id') !== SERVICES_ID || q.get('redirect_uri') !== REDIRECT) return json(400, { error: 'invalid_request' });
    const scopes = (q.get('scope') ?? '').split(' ');
    if ((scopes.includes('name') || scopes.includes('email')) && q.get('response_mode') !== 'form_post') {
      return json(400, { error: 'invalid_request', error_description: 'response_mode must be form_post when name or email scope is requested.' });
    }
    const code = `c${randomBytes(16).toString('hex')}.0.nrsq.${randomBytes(4).toString('hex')}`;
    codes.set(code, { nonce: q.get('nonce') ?? undefined });
    const fields: Record<string, string> = { state: q.get('state') ?? '', code };
    if (firstSignIn && scopes.includes('name')) fields.user = JSON.stringify({ name: { firstName: 'Jane', lastName: 'Appleseed' }, email: 'x7y8z9@privaterelay.appleid.com' });
    // Apple's answer: a page that POSTs the fields to the redirect URI.
    return reply.html(
      200,
      
      `<!doctype html><form method="post" action="${REDIRECT}">` +
        Object.entries(fields)
          .map(([k, v]) => `<input type="hidden" name="${k}" value="${v.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}">`)
          .join('') +
        '</form><script>document.forms[0].submit()</script>',
    );
  }
  if (url.pathname === '/auth/token' && req.method === 'POST') {
    const form = (req.form ?? {});
    tokenRequests.push(form);
    if (req.headers.authorization) return json(400, { error: 'invalid_client' });
    if (form.client_id !== SERVICES_ID || !form.client_secret) return json(400, { error: 'invalid_client' });
    seenSecrets.push(form.client_secret);
    try {
      const header = decodeProtectedHeader(form.client_secret);
      if (header.alg !== 'ES256' || header.kid !== KEY_ID) throw new Error('header');
      const { payload } = await jwtVerify(form.client_secret, teamKey.publicKey, { issuer: TEAM_ID, subject: SERVICES_ID, audience: 'https://appleid.apple.com', algorithms: ['ES256'] });
      if (payload.exp! - payload.iat! > 15_777_000) throw new Error('too long');
    } catch {
      return json(400, { error: 'invalid_client' });
    }
    const pending = codes.get(form.code ?? '');
    if (!pending || form.grant_type !== 'authorization_code' || form.redirect_uri !== REDIRECT) return json(400, { error: 'invalid_grant' });
    codes.delete(form.code!);
    const now = Math.floor(Date.now() / 1000);
    const idToken = await new SignJWT({
      email: 'x7y8z9@privaterelay.appleid.com',
      email_verified: 'true',
      is_private_email: 'true',
      auth_time: now,
      nonce_supported: true,
      ...(pending.nonce ? { nonce: pending.nonce } : {}),
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'apple-1' })
      .setIssuer(provider.base)
      .setAudience(SERVICES_ID)
      .setSubject(APPLE_SUB)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(appleSigning.privateKey);
    return json(200, { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 3600, refresh_token: randomBytes(16).toString('hex'), id_token: idToken });
  }
  return json(404, {});
});

beforeEach(() => {
  seenSecrets.length = 0;
  tokenRequests.length = 0;
  authorizeRequests.length = 0;
  firstSignIn = true;
});

/** The Apple preset, unchanged but for the issuer, which points at the stand-in. */
const localApple = (): Preset => ({ ...apple, protocol: { ...(apple.protocol as OidcProtocol), issuer: () => provider.base } });

function source(): IdentitySource {
  return identitySource({
    slug: `apple-${randomBytes(3).toString('hex')}`,
    type: 'apple',
    name: 'Apple',
    client_id: SERVICES_ID,
    scopes: apple.default_scopes,
    config: { team_id: TEAM_ID, key_id: KEY_ID },
    secrets_set: ['private_key'],
  });
}

/** Authorize, then read the auto-submitting form Apple answers with: the fields the browser would POST to the callback. */
async function signIn(privateKey = TEAM_PEM) {
  const client = oidcClient(localApple(), source(), { private_key: privateKey }, { redirect_uri: REDIRECT, allow_insecure: true });
  const attempt: UpstreamAttempt = { state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), code_verifier: oauth.generateRandomCodeVerifier() };
  const page = await fetch(await client.authorizationUrl(attempt));
  const html = await page.text();
  if (page.status !== 200) throw new Error(`authorize answered ${page.status}: ${html}`);
  expect(html).toContain(`action="${REDIRECT}"`);
  const posted = new URLSearchParams();
  for (const [, name, value] of html.matchAll(/name="([^"]+)" value="([^"]*)"/g)) posted.set(name!, value!.replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
  return client.finish(posted, attempt);
}

describe('Sign in with Apple', () => {
  it('first sign-in: form_post callback, an ES256 client secret Apple accepts, the name from `user`, email_verified as a boolean', async () => {
    const profile = await signIn();
    const authorize = authorizeRequests[0]!;
    expect(authorize.get('response_mode')).toBe('form_post');
    expect(authorize.get('scope')).toBe('openid name email');
    expect(authorize.get('nonce')).toBeTruthy();

    // The secret went in the body (client_secret_post), and it is the short-lived JWT Apple wants.
    expect(tokenRequests[0]).toMatchObject({ client_id: SERVICES_ID, grant_type: 'authorization_code', redirect_uri: REDIRECT });
    const { payload, protectedHeader } = await jwtVerify(seenSecrets[0]!, teamKey.publicKey, { issuer: TEAM_ID, subject: SERVICES_ID, audience: 'https://appleid.apple.com' });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: KEY_ID });
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(15_777_000);

    expect(profile).toMatchObject({
      subject: APPLE_SUB,
      email: 'x7y8z9@privaterelay.appleid.com',
      email_verified: true,
      given_name: 'Jane',
      family_name: 'Appleseed',
      name: 'Jane Appleseed',
    });
    expect(profile.raw).toMatchObject({ is_private_email: true });
  });

  it('later sign-ins: no `user` field, so no name, same subject', async () => {
    firstSignIn = false;
    const profile = await signIn();
    expect(profile).toMatchObject({ subject: APPLE_SUB, email_verified: true });
    expect(profile.name).toBeUndefined();
  });

  it('makes a fresh client secret for each sign-in', async () => {
    await signIn();
    await signIn();
    expect(seenSecrets).toHaveLength(2);
    expect(new Set(seenSecrets).size).toBe(2);
  });

  it('a secret signed with another key is refused by Apple, and the sign-in fails with a clear error', async () => {
    const other = await exportPKCS8((await generateKeyPair('ES256', { extractable: true })).privateKey);
    const error = await signIn(other).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'client_refused', detail: expect.stringContaining('invalid_client') });
  });
});

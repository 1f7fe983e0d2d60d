// The Entra ID preset through the generic OIDC client (src/federation/oidc.ts), against a local
// server that answers like Microsoft's v2.0 endpoints: discovery under /<tenant>/v2.0 whose
// issuer, for `organizations` and `common`, is the template https://…/{tenantid}/v2.0; an
// authorization endpoint; a token endpoint issuing RS256 ID tokens with `tid`, `oid`, `roles`
// and an `iss` naming the user's own tenant; the keys; userinfo. The server sits on 127.0.0.1, so
// the source's `authority` points there (the field exists for national clouds).
//
// What is checked is the multi-tenant rule end to end: a token is accepted only if its `iss` is
// the template with its own `tid`, and only from an allowed tenant; users are tid + oid; Entra's
// email is never verified.
//
// Microsoft's documentation the server follows:
// - Discovery document and the {tenantid} issuer: https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri
// - Multi-tenant issuer validation: https://learn.microsoft.com/en-us/entra/identity-platform/howto-convert-app-to-be-multi-tenant#update-your-code-to-handle-multiple-issuer-values
// - ID token claims (iss, tid, oid, roles, email, preferred_username): https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference
// - Authorization code flow (authorize, token, PKCE): https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import * as oauth from 'oauth4webapi';
import { beforeEach, describe, expect, it } from 'vitest';
import { oidcClient } from '../../src/federation/oidc';
import { entra } from '../../src/federation/presets/entra';
import { type IdentitySource, type UpstreamAttempt } from '../../src/federation/types';
import { identitySource, standInForFile } from './stand-in';

const CONTOSO = randomUUID();
const FABRIKAM = randomUUID();
const CLIENT_ID = randomUUID();
const CLIENT_SECRET = randomBytes(20).toString('base64url');
const REDIRECT = 'https://sso.example.com/federation/entra/callback';

interface EntraUser {
  tid: string;
  oid: string;
  email: string;
  name: string;
  roles: string[];
  /** Sent as the optional claim xms_edov when set. */
  edov?: boolean;
}

/** How the stand-in misbehaves for one test: an `iss` naming another tenant, or a token signed by a key it does not publish. */
let tamper: { iss?: (tid: string) => string; foreignKey?: boolean } = {};
let user: EntraUser;
const requests: { method: string; path: string; form?: Record<string, string>; headers: IncomingMessage['headers'] }[] = [];

const signing = await generateKeyPair('RS256');
const foreign = await generateKeyPair('RS256');
const KID = 'entra-key-1';
const publicJwk: JWK = { ...(await exportJWK(signing.publicKey)), kid: KID, use: 'sig', alg: 'RS256' };
const codes = new Map<string, { user: EntraUser; nonce?: string; challenge?: string; tenantPath: string }>();
const tokens = new Map<string, EntraUser>();

const provider = standInForFile(async (req, reply) => {
  const { url } = req;
  const form = req.form;
  requests.push({ method: req.method ?? 'GET', path: url.pathname, form, headers: req.headers });
  const json = (status: number, body: unknown) => reply.json(status, body);
  const [, tenantPath, ...rest] = url.pathname.split('/');
  const path = `/${rest.join('/')}`;
  const multi = tenantPath === 'organizations' || tenantPath === 'common';
  if (!tenantPath) return json(404, {});

  if (path === '/v2.0/.well-known/openid-configuration') {
    return json(200, {
      issuer: `${provider.base}/${multi ? '{tenantid}' : tenantPath}/v2.0`,
      authorization_endpoint: `${provider.base}/${tenantPath}/oauth2/v2.0/authorize`,
      token_endpoint: `${provider.base}/${tenantPath}/oauth2/v2.0/token`,
      jwks_uri: `${provider.base}/${tenantPath}/discovery/v2.0/keys`,
      userinfo_endpoint: `${provider.base}/oidc/userinfo`,
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'tid', 'oid', 'name', 'preferred_username', 'email'],
      tenant_region_scope: null,
    });
  }
  if (path === '/discovery/v2.0/keys') return json(200, { keys: [publicJwk] });
  if (path === '/oauth2/v2.0/authorize') {
    // The person signs in and consents at once: Microsoft redirects back with the code.
    if (url.searchParams.get('client_id') !== CLIENT_ID || url.searchParams.get('redirect_uri') !== REDIRECT) return json(400, { error: 'invalid_request' });
    const code = randomBytes(16).toString('hex');
    codes.set(code, { user, nonce: url.searchParams.get('nonce') ?? undefined, challenge: url.searchParams.get('code_challenge') ?? undefined, tenantPath });
    const back = new URL(REDIRECT);
    back.searchParams.set('code', code);
    back.searchParams.set('state', url.searchParams.get('state') ?? '');
    return reply.redirect(back.href);
  }
  if (path === '/oauth2/v2.0/token' && req.method === 'POST') {
    const basic = /^Basic (.+)$/.exec(String(req.headers.authorization ?? ''));
    const [id, secret] = basic ? Buffer.from(basic[1]!, 'base64').toString().split(':').map(decodeURIComponent) : [form?.client_id, form?.client_secret];
    if (id !== CLIENT_ID || secret !== CLIENT_SECRET) return json(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
    const pending = codes.get(form?.code ?? '');
    if (!pending) return json(400, { error: 'invalid_grant', error_description: 'AADSTS70008: The provided authorization code has expired.' });
    codes.delete(form!.code!);
    if (pending.challenge && createHash('sha256').update(form?.code_verifier ?? '').digest('base64url') !== pending.challenge) {
      return json(400, { error: 'invalid_grant', error_description: 'AADSTS501481: The Code_Verifier does not match the code_challenge.' });
    }
    const u = pending.user;
    const now = Math.floor(Date.now() / 1000);
    const idToken = await new SignJWT({
      ver: '2.0',
      tid: u.tid,
      oid: u.oid,
      email: u.email,
      name: u.name,
      preferred_username: u.email,
      roles: u.roles,
      ...(u.edov !== undefined ? { xms_edov: u.edov } : {}),
      ...(pending.nonce ? { nonce: pending.nonce } : {}),
    })
      .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
      .setIssuer(tamper.iss ? tamper.iss(u.tid) : `${provider.base}/${u.tid}/v2.0`)
      .setSubject(`pairwise-${u.oid.slice(0, 8)}`)
      .setAudience(CLIENT_ID)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 3600)
      .sign(tamper.foreignKey ? foreign.privateKey : signing.privateKey);
    const access = randomBytes(16).toString('hex');
    tokens.set(access, u);
    return json(200, { token_type: 'Bearer', scope: 'openid profile email', expires_in: 3600, access_token: access, id_token: idToken });
  }
  if (url.pathname === '/oidc/userinfo') {
    const u = tokens.get(String(req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (!u) return json(401, { error: 'invalid_token' });
    return json(200, { sub: `pairwise-${u.oid.slice(0, 8)}`, name: u.name, email: u.email, given_name: u.name.split(' ')[0], family_name: u.name.split(' ')[1] });
  }
  return json(404, { error: 'not_found' });
});

beforeEach(() => {
  tamper = {};
  requests.length = 0;
});

const CONTOSO_USER = (): EntraUser => ({ tid: CONTOSO, oid: randomUUID(), email: 'adele@contoso.example', name: 'Adele Vance', roles: ['Sales.Reader', 'Admins'] });
const FABRIKAM_USER = (): EntraUser => ({ tid: FABRIKAM, oid: randomUUID(), email: 'adele@contoso.example', name: 'Mallory Fabrikam', roles: ['Admins'] });

function source(config: IdentitySource['config']): IdentitySource {
  return identitySource({
    // A distinct slug per source keeps the client's discovery cache honest.
    slug: `entra-${randomBytes(3).toString('hex')}`,
    type: 'entra',
    name: 'Contoso (Microsoft)',
    group_map: { claim: entra.default_group_claim ?? 'groups', prefix: '', rename: {} },
    trust_email_for_linking: true,
    client_id: CLIENT_ID,
    scopes: entra.default_scopes,
    config: { authority: provider.base, ...config },
  });
}

/** Runs a whole sign-in for `who` through a client of `src`: authorize (answered at once), then the callback. */
async function signIn(src: IdentitySource, who: EntraUser) {
  user = who;
  const client = oidcClient(entra, src, { client_secret: CLIENT_SECRET }, { redirect_uri: REDIRECT, allow_insecure: true });
  const attempt: UpstreamAttempt = { state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), code_verifier: oauth.generateRandomCodeVerifier() };
  const authorize = await client.authorizationUrl(attempt);
  const answer = await fetch(authorize, { redirect: 'manual' });
  const location = answer.headers.get('location');
  if (answer.status !== 302 || !location) throw new Error(`authorize answered ${answer.status}: ${await answer.text()}`);
  return { authorize, profile: await client.finish(new URL(location).searchParams, attempt) };
}

describe('Entra ID, multi-tenant (organizations) with an allow-list', () => {
  it('accepts a user of an allowed tenant: discovery under /organizations, iss with the user’s own tid, subject tid:oid', async () => {
    const who = CONTOSO_USER();
    const { authorize, profile } = await signIn(source({ tenant: 'organizations', allowed_tenants: [CONTOSO] }), who);
    expect(authorize.origin + authorize.pathname).toBe(`${provider.base}/organizations/oauth2/v2.0/authorize`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    expect(authorize.searchParams.get('scope')).toBe('openid email profile');
    expect(requests.map((r) => r.path)).toEqual([
      '/organizations/v2.0/.well-known/openid-configuration',
      '/organizations/oauth2/v2.0/authorize',
      '/organizations/oauth2/v2.0/token',
      '/organizations/discovery/v2.0/keys',
      '/oidc/userinfo',
    ]);
    expect(profile).toMatchObject({
      subject: `${CONTOSO}:${who.oid}`,
      email: 'adele@contoso.example',
      email_verified: false,
      name: 'Adele Vance',
      groups: ['Sales.Reader', 'Admins'],
    });
  });

  it('refuses a user of a tenant outside the allow-list, though Microsoft signed the token', async () => {
    const error = await signIn(source({ tenant: 'organizations', allowed_tenants: [CONTOSO] }), FABRIKAM_USER()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'tenant_not_allowed', detail: expect.stringContaining(FABRIKAM) });
  });

  it('refuses a token whose iss names another tenant than its tid', async () => {
    tamper = { iss: () => `${provider.base}/${FABRIKAM}/v2.0` };
    const error = await signIn(source({ tenant: 'organizations', allowed_tenants: [CONTOSO, FABRIKAM] }), CONTOSO_USER()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_response', detail: expect.stringContaining('iss') });
  });

  it('refuses a token that carries the unreplaced {tenantid} template as its issuer', async () => {
    tamper = { iss: () => `${provider.base}/{tenantid}/v2.0` };
    await expect(signIn(source({ tenant: 'organizations' }), CONTOSO_USER())).rejects.toMatchObject({ code: 'invalid_response' });
  });

  it('refuses a token signed with a key Microsoft does not publish', async () => {
    tamper = { foreignKey: true };
    await expect(signIn(source({ tenant: 'common', allowed_tenants: [CONTOSO] }), CONTOSO_USER())).rejects.toMatchObject({ code: 'invalid_response' });
  });

  it('without an allow-list, accepts any tenant (each with its own issuer) and keeps users apart by tid + oid', async () => {
    const src = source({ tenant: 'common' });
    const a = await signIn(src, CONTOSO_USER());
    const b = await signIn(src, FABRIKAM_USER());
    expect(a.profile.subject.startsWith(`${CONTOSO}:`)).toBe(true);
    expect(b.profile.subject.startsWith(`${FABRIKAM}:`)).toBe(true);
    // Same email at both tenants, different people.
    expect(a.profile.email).toBe(b.profile.email);
    expect(a.profile.subject).not.toBe(b.profile.subject);
  });
});

describe('Entra ID emails', () => {
  it('count as verified only when the token carries xms_edov: true', async () => {
    const src = source({ tenant: 'organizations', allowed_tenants: [CONTOSO] });
    expect((await signIn(src, { ...CONTOSO_USER(), edov: true })).profile.email_verified).toBe(true);
    expect((await signIn(src, { ...CONTOSO_USER(), edov: false })).profile.email_verified).toBe(false);
    expect((await signIn(src, CONTOSO_USER())).profile.email_verified).toBe(false);
  });
});

describe('Entra ID, one tenant', () => {
  it('accepts its own users and refuses a token from another tenant, even one with a consistent issuer', async () => {
    const src = source({ tenant: CONTOSO });
    const { authorize, profile } = await signIn(src, CONTOSO_USER());
    expect(authorize.pathname).toBe(`/${CONTOSO}/oauth2/v2.0/authorize`);
    expect(profile.subject.startsWith(`${CONTOSO}:`)).toBe(true);
    await expect(signIn(src, FABRIKAM_USER())).rejects.toMatchObject({ code: 'tenant_not_allowed', detail: expect.stringContaining(`not the configured tenant ${CONTOSO}`) });
  });
});

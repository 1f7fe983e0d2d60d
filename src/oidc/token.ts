// POST /oauth2/token: the authorization_code and refresh_token grants (RFC 6749 §4.1.3, §6).
import { Hono } from 'hono';
import { auditAccessDenied } from '../access/denied';
import { mayAccess } from '../access/policy';
import type { ServedApp } from '../apps/cache';
import { matchRedirect } from '../apps/redirects';
import { audit } from '../audit/audit';
import { dbOf, issuerOf, type AppContext, type AppEnv } from '../http/context';
import { nowSeconds } from '../lib/time';
import { profileClaims, type User } from '../users/user';
import { decideAssurance } from '../mfa/assurance';
import { userWithFactorOf } from '../mfa/factors';
import { loadMfaSettings } from '../mfa/settings';
import { atHash } from './at-hash';
import { idTokenClaims, scopedClaims } from './claims';
import { authenticateClient } from './clients';
import { ACCESS_TOKEN_TTL_SECONDS, oidcPaths } from './config';
import { noStore, OAuthError, oauthEndpoint } from './errors';
import { readOAuthForm } from './form';
import { consumeRefreshToken, extendGrant, findRefreshToken, GrantRevoked, redeemCode, revokeGrant, type GrantUser } from './grants';
import { verifyPkce } from './pkce';
import { formatScope, grantedScopes, parseStoredScope, type Scope } from './scope';
import { mintAccessToken, signIdToken } from './tokens';

export const tokenEndpoint = new Hono<AppEnv>();

tokenEndpoint.post(oidcPaths.token, (c) =>
  oauthEndpoint(c, async () => {
    const body = await readOAuthForm(c);
    const app = await authenticateClient(c.env, c.req.header('authorization'), body);
    const grantType = body.grant_type;
    if (grantType === undefined || grantType === '') throw new OAuthError('invalid_request', 'grant_type is required.');
    const tokens =
      grantType === 'authorization_code' ? await exchangeCode(c, app, body)
      : grantType === 'refresh_token' ? await refresh(c, app, body)
      : null;
    if (!tokens) throw new OAuthError('unsupported_grant_type', 'grant_type must be authorization_code or refresh_token.');
    noStore(c);
    return c.json(tokens, 200);
  }),
);

interface Issue {
  grantId: string;
  user: User;
  /** What the tokens carry. */
  scopes: Scope[];
  /** What a new refresh token carries (a refresh request may narrow the access token's scopes only). */
  grantScope: string;
  authTime: number;
  amr: string[];
  /** The identity source the session came from (the ID token's `idp`), or null. */
  source: string | null;
  nonce: string | null;
}

async function issueTokens(c: AppContext, app: ServedApp, issue: Issue) {
  const db = dbOf(c);
  const now = nowSeconds();
  // The app's access rule is checked again at every redemption and refresh: a user taken out of
  // the app's groups gets no new tokens, and the grant ends (they may sign in again once let back in).
  if (!mayAccess(app.access, { userId: issue.user.id, groups: issue.user.groups })) {
    await revokeGrant(db, issue.grantId, now);
    auditAccessDenied(c, app, issue.user.id, 'oidc.token');
    throw new OAuthError('invalid_grant', 'The user is no longer allowed to use this application.');
  }
  const offline = parseStoredScope(issue.grantScope).includes('offline_access');
  const refresh = offline
    ? { grantId: issue.grantId, clientId: app.clientId, userId: issue.user.id, scope: issue.grantScope, authTime: issue.authTime, amr: issue.amr, source: issue.source }
    : null;
  let refreshToken: string | null;
  try {
    refreshToken = await extendGrant(db, issue.grantId, refresh, now);
  } catch (error) {
    if (error instanceof GrantRevoked) throw new OAuthError('invalid_grant', 'This grant has been revoked. Sign in again.');
    throw error;
  }
  const scope = formatScope(issue.scopes);
  const issuer = issuerOf(c);
  const access = await mintAccessToken(c.env, { issuer, app, sub: issue.user.id, scope, grantId: issue.grantId, authTime: issue.authTime, now });
  const claims = idTokenClaims({
    issuer,
    clientId: app.clientId,
    userClaims: scopedClaims(issue.user.id, profileClaims(issue.user), issue.scopes, app.attributeMap),
    authTime: issue.authTime,
    amr: issue.amr,
    source: issue.source,
    nonce: issue.nonce,
    atHash: await atHash(access.token),
    now,
    ttlSeconds: app.tokenTtlSeconds,
  });
  return {
    access_token: access.token,
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_TTL_SECONDS,
    id_token: await signIdToken(c.env, app, claims),
    scope,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
  };
}

/**
 * The user behind a grant (read with its code or token: see redeemCode), if they may still sign in
 * and the grant's `amr` is still enough for this app (src/mfa/assurance.ts: the app's policy, the
 * global one, the user's own requirement and whether they have a factor now); otherwise the grant
 * ends here. The settings come from the isolate cache.
 */
async function liveUser(
  c: AppContext,
  app: ServedApp,
  grant: { grantId: string; userId: string; amr: string[]; authTime: number },
  read: GrantUser[],
  now: number,
): Promise<User> {
  const db = dbOf(c);
  const found = userWithFactorOf(read);
  const settings = await loadMfaSettings(c.env);
  if (!found || found.user.disabled) {
    await revokeGrant(db, grant.grantId, now);
    throw new OAuthError('invalid_grant', 'The user of this grant can no longer sign in.');
  }
  const proof = { amr: grant.amr, authTime: grant.authTime, hasFactor: found.hasFactor, userRequired: found.user.mfaRequired };
  if (decideAssurance(settings, { kind: 'app', policy: app.mfa }, proof) !== 'ok') {
    await revokeGrant(db, grant.grantId, now);
    audit(c, { type: 'access.denied', actor: grant.userId, target: app.clientId, detail: { via: 'oidc.token', reason: 'second factor', amr: grant.amr } });
    throw new OAuthError('invalid_grant', 'This application now needs a second factor that this grant was issued without. Sign in again.');
  }
  return found.user;
}

async function exchangeCode(c: AppContext, app: ServedApp, body: Record<string, string>) {
  const { code, redirect_uri: redirectUri, code_verifier: verifier } = body;
  if (!code) throw new OAuthError('invalid_request', 'code is required.');
  if (!redirectUri) throw new OAuthError('invalid_request', 'redirect_uri is required: the one sent in the authorization request.');
  const db = dbOf(c);
  const now = nowSeconds();
  const redemption = await redeemCode(db, code, now);
  if (redemption.kind === 'reused') {
    audit(c, { type: 'oidc.reuse', actor: 'anonymous', target: app.clientId, detail: { token: 'authorization_code' } });
    throw new OAuthError('invalid_grant', 'This authorization code was already used; the tokens issued from it are revoked.');
  }
  if (redemption.kind === 'unknown') throw new OAuthError('invalid_grant', 'The authorization code is invalid or expired.');
  const row = redemption.code;
  const refuse = async (description: string): Promise<never> => {
    await revokeGrant(db, row.grantId, now);
    throw new OAuthError('invalid_grant', description);
  };
  if (row.expiresAt <= now) await refuse('The authorization code is invalid or expired.');
  if (row.clientId !== app.clientId) await refuse('The authorization code was issued to another client.');
  if (matchRedirect([row.redirectUri], redirectUri) === null) await refuse('redirect_uri differs from the one in the authorization request.');
  if (row.codeChallenge !== null) {
    if (verifier === undefined) await refuse('code_verifier is required: the authorization request had a code_challenge.');
    if (!(await verifyPkce(verifier!, row.codeChallenge))) await refuse('code_verifier does not match the code_challenge.');
  } else if (verifier !== undefined) {
    await refuse('code_verifier was sent, but the authorization request had no code_challenge.');
  }
  const user = await liveUser(c, app, row, redemption.user, now);
  return issueTokens(c, app, { grantId: row.grantId, user, scopes: parseStoredScope(row.scope), grantScope: row.scope, authTime: row.authTime, amr: row.amr, source: row.source, nonce: row.nonce });
}

async function refresh(c: AppContext, app: ServedApp, body: Record<string, string>) {
  const token = body.refresh_token;
  if (!token) throw new OAuthError('invalid_request', 'refresh_token is required.');
  const now = nowSeconds();
  // A narrowing scope is checked before the token is spent, so a refused request does not burn it.
  const narrowed = body.scope === undefined ? null : await narrowScope(c, app, token, body.scope, now);
  const rotation = await consumeRefreshToken(dbOf(c), token, app.clientId, now);
  if (rotation.kind === 'replayed') {
    audit(c, { type: 'oidc.reuse', actor: 'anonymous', target: app.clientId, detail: { token: 'refresh_token' } });
    throw new OAuthError('invalid_grant', 'This refresh token was already used; its whole token family is revoked. Sign in again.');
  }
  if (rotation.kind === 'invalid') throw new OAuthError('invalid_grant', 'The refresh token is invalid, expired or revoked.');
  const row = rotation.token;
  const user = await liveUser(c, app, row, rotation.user, now);
  const scopes = narrowed ?? parseStoredScope(row.scope);
  return issueTokens(c, app, { grantId: row.grantId, user, scopes, grantScope: row.scope, authTime: row.authTime, amr: row.amr, source: row.source, nonce: null });
}

/** The scopes a refresh request asks for: a subset of the grant's (RFC 6749 §6), with openid. */
async function narrowScope(c: AppContext, app: ServedApp, token: string, asked: string, now: number): Promise<Scope[] | null> {
  const current = await findRefreshToken(dbOf(c), token, now);
  if (!current || current.clientId !== app.clientId) return null; // consumption below answers invalid_grant, or detects the replay
  const granted: string[] = parseStoredScope(current.scope);
  if (asked.split(' ').some((s) => s !== '' && !granted.includes(s))) throw new OAuthError('invalid_scope', 'A refresh may only narrow the granted scope.');
  const scopes = grantedScopes(asked);
  if (!scopes.includes('openid')) throw new OAuthError('invalid_scope', 'scope must include openid.');
  return scopes;
}

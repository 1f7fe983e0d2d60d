// The endpoints that take tokens back: userinfo (OIDC Core §5.3), introspection (RFC 7662) and
// revocation (RFC 7009). Access tokens are JWTs; each use here also checks D1, so a revoked
// grant, a revoked token or a disabled user is refused at once rather than at expiry.
import { Hono } from 'hono';
import { loadServedApp } from '../apps/served';
import { dbOf, issuerOf, type AppContext, type AppEnv } from '../http/context';
import { nowSeconds } from '../lib/time';
import { profileClaims, toUser } from '../users/user';
import { scopedClaims } from './claims';
import { authenticateClient } from './clients';
import { oidcPaths, REALM } from './config';
import { noStore, OAuthError, oauthEndpoint } from './errors';
import { bodyText, readOAuthForm, singleValues } from './form';
import { accessTokenUser, findRefreshToken, revokeAccessToken, revokeGrant } from './grants';
import { grantedScopes } from './scope';
import { grantOf, verifyAccessToken, type AccessTokenClaims } from './tokens';

export const resourceRoutes = new Hono<AppEnv>();

// --- Userinfo -----------------------------------------------------------------------------------

/** A Bearer token error (RFC 6750 §3): 401 with the challenge, or 400 for a malformed request. */
function bearerError(c: AppContext, status: 400 | 401 | 403, error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope', description?: string) {
  noStore(c);
  const parts = [`realm="${REALM}"`, ...(error ? [`error="${error}"`] : []), ...(description ? [`error_description="${description}"`] : [])];
  c.header('WWW-Authenticate', `Bearer ${parts.join(', ')}`);
  return error ? c.json({ error, error_description: description }, status) : c.body(null, status);
}

/** The access token from the Authorization header or, for POST, the form body (RFC 6750 §2.1, §2.2). */
async function bearerToken(c: AppContext): Promise<{ token?: string; problem?: string }> {
  const header = c.req.header('authorization');
  let fromBody: string | undefined;
  if (c.req.method === 'POST' && (c.req.header('content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    const text = await bodyText(c);
    if (text.length > 16 * 1024) return { problem: 'The request body is too large.' };
    const { values, repeated } = singleValues(new URLSearchParams(text));
    if (repeated.includes('access_token')) return { problem: 'access_token appears more than once.' };
    fromBody = values.access_token;
  }
  if (header !== undefined) {
    const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
    if (!match) return { problem: 'The Authorization header must be "Bearer <access token>".' };
    if (fromBody !== undefined) return { problem: 'Send the access token once: in the Authorization header or in the body.' };
    return { token: match[1] };
  }
  return { token: fromBody };
}

async function userinfo(c: AppContext) {
  const { token, problem } = await bearerToken(c);
  if (problem) return bearerError(c, 400, 'invalid_request', problem);
  if (!token) return bearerError(c, 401);
  const claims = await verifyAccessToken(c.env, issuerOf(c), token);
  const user = claims && (await accessTokenUser(dbOf(c), { grantId: grantOf(claims.jti), jti: claims.jti, sub: claims.sub }));
  const app = claims && user ? await loadServedApp(c.env, claims.client_id) : null;
  if (!claims || !user || !app) return bearerError(c, 401, 'invalid_token', 'The access token is invalid, expired or revoked.');
  const scopes = grantedScopes(claims.scope);
  if (!scopes.includes('openid')) return bearerError(c, 403, 'insufficient_scope', 'The access token was not granted the openid scope.');
  noStore(c);
  return c.json(scopedClaims(user.id, profileClaims(toUser(user)), scopes, app.attributeMap));
}

resourceRoutes.get(oidcPaths.userinfo, userinfo);
resourceRoutes.post(oidcPaths.userinfo, userinfo);

// --- Introspection --------------------------------------------------------------------------------

/** A live access token we issued to `clientId`, with its revocation checked in D1. */
async function liveAccessToken(c: AppContext, token: string, clientId: string): Promise<AccessTokenClaims | null> {
  const claims = await verifyAccessToken(c.env, issuerOf(c), token);
  if (!claims || claims.client_id !== clientId) return null;
  const user = await accessTokenUser(dbOf(c), { grantId: grantOf(claims.jti), jti: claims.jti, sub: claims.sub });
  return user ? claims : null;
}

resourceRoutes.post(oidcPaths.introspection, (c) =>
  oauthEndpoint(c, async () => {
    const body = await readOAuthForm(c);
    const app = await authenticateClient(c.env, c.req.header('authorization'), body);
    if (app.tokenEndpointAuthMethod === 'none') throw new OAuthError('invalid_client', 'Introspection is for confidential clients; a public client cannot authenticate.');
    if (!body.token) throw new OAuthError('invalid_request', 'token is required.');
    noStore(c);
    // A client learns only about its own tokens; any other token is simply inactive (RFC 7662 §2.2).
    const access = body.token_type_hint === 'refresh_token' ? null : await liveAccessToken(c, body.token, app.clientId);
    if (access) {
      const { iss, sub, aud, client_id, scope, jti, iat, exp } = access;
      return c.json({ active: true, token_type: 'Bearer', iss, sub, aud, client_id, scope, jti, iat, exp });
    }
    const refresh = await findRefreshToken(dbOf(c), body.token, nowSeconds());
    if (refresh && refresh.clientId === app.clientId) {
      return c.json({
        active: true,
        token_type: 'refresh_token',
        iss: issuerOf(c),
        sub: refresh.userId,
        client_id: refresh.clientId,
        scope: refresh.scope,
        iat: refresh.createdAt,
        exp: refresh.expiresAt,
      });
    }
    return c.json({ active: false });
  }),
);

// --- Revocation -----------------------------------------------------------------------------------

resourceRoutes.post(oidcPaths.revocation, (c) =>
  oauthEndpoint(c, async () => {
    const body = await readOAuthForm(c);
    const app = await authenticateClient(c.env, c.req.header('authorization'), body);
    if (!body.token) throw new OAuthError('invalid_request', 'token is required.');
    const db = dbOf(c);
    const now = nowSeconds();
    // A refresh token takes its whole family with it, access tokens included (RFC 7009 §2.1).
    const refresh = await findRefreshToken(db, body.token, now);
    if (refresh && refresh.clientId === app.clientId) {
      await revokeGrant(db, refresh.grantId, now);
    } else {
      const claims = await verifyAccessToken(c.env, issuerOf(c), body.token);
      if (claims && claims.client_id === app.clientId) await revokeAccessToken(db, claims.jti, claims.exp);
    }
    // Unknown, expired and foreign tokens get the same answer (RFC 7009 §2.2).
    noStore(c);
    return c.body(null, 200);
  }),
);

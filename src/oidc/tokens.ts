// Minting and verifying the OpenID Provider's JWTs. ID tokens and access tokens are signed with
// the issuer's asymmetric keys: the app's algorithm when it is RS256 or ES256, else RS256
// (OIDC clients such as openid-client refuse HMAC-signed ID tokens).
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { App } from '../apps/app';
import type { Bindings } from '../env';
import { randomToken } from '../lib/encoding';
import { signJwt } from '../tokens/jwt';
import { activeSigningKey, ASYMMETRIC_ALGS, publicJwks, type AsymmetricAlg } from '../tokens/keys';
import { ACCESS_TOKEN_TTL_SECONDS } from './config';

export function oidcAlg(app: Pick<App, 'signingAlg'>): AsymmetricAlg {
  return app.signingAlg === 'HS256' ? 'RS256' : app.signingAlg;
}

async function sign(env: Bindings, alg: AsymmetricAlg, typ: string, claims: JWTPayload): Promise<string> {
  const key = await activeSigningKey(env, alg);
  return signJwt(claims, { alg: key.alg, typ, kid: key.kid }, key.privateKey);
}

export function signIdToken(env: Bindings, app: Pick<App, 'signingAlg'>, claims: Record<string, unknown>): Promise<string> {
  return sign(env, oidcAlg(app), 'JWT', claims);
}

export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string;
  client_id: string;
  scope: string;
  jti: string;
  iat: number;
  exp: number;
}

/** The grant an access token came from: its `jti` is "<grant id>.<random>". */
export function grantOf(jti: string): string {
  return jti.split('.')[0]!;
}

/** An RFC 9068 access token (`typ: at+jwt`) for the client, valid ACCESS_TOKEN_TTL_SECONDS. */
export async function mintAccessToken(
  env: Bindings,
  input: { issuer: string; app: Pick<App, 'clientId' | 'signingAlg'>; sub: string; scope: string; grantId: string; authTime: number; now: number },
): Promise<{ token: string; claims: AccessTokenClaims }> {
  const claims: AccessTokenClaims = {
    iss: input.issuer,
    sub: input.sub,
    aud: input.app.clientId,
    client_id: input.app.clientId,
    scope: input.scope,
    auth_time: input.authTime,
    jti: `${input.grantId}.${randomToken(12)}`,
    iat: input.now,
    exp: input.now + ACCESS_TOKEN_TTL_SECONDS,
  };
  return { token: await sign(env, oidcAlg(input.app), 'at+jwt', claims), claims };
}

function isAccessTokenClaims(payload: JWTPayload): payload is AccessTokenClaims {
  return (
    typeof payload.sub === 'string' &&
    typeof payload.aud === 'string' &&
    typeof payload.client_id === 'string' &&
    typeof payload.scope === 'string' &&
    typeof payload.jti === 'string' &&
    typeof payload.exp === 'number'
  );
}

/** The claims of an access token we signed and that has not expired, or null (revocation is checked separately, in D1). */
export async function verifyAccessToken(env: Bindings, issuer: string, token: string): Promise<AccessTokenClaims | null> {
  if (token.length > 4096) return null;
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet(await publicJwks(env)), {
      issuer,
      typ: 'at+jwt',
      algorithms: [...ASYMMETRIC_ALGS],
    });
    return isAccessTokenClaims(payload) ? payload : null;
  } catch {
    return null;
  }
}

/**
 * The claims of an ID token we signed for some client, expired or not (RP-initiated logout takes
 * old ID tokens as hints, OIDC RP-Initiated Logout §2), or null.
 */
export async function verifyIdTokenHint(env: Bindings, issuer: string, token: string): Promise<{ sub: string; aud: string } | null> {
  if (token.length > 8192) return null;
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet(await publicJwks(env)), {
      issuer,
      typ: 'JWT',
      algorithms: [...ASYMMETRIC_ALGS],
      // An expired hint still proves who it was issued to.
      currentDate: new Date(0),
    });
    const aud = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud;
    return typeof payload.sub === 'string' && typeof aud === 'string' ? { sub: payload.sub, aud } : null;
  } catch {
    return null;
  }
}

// Minting the id_token an app receives: claims are built by a pure function, then signed with
// the app's secret (HS256) or the issuer's active key (RS256, ES256).
import type { JWTPayload } from 'jose';
import type { ServedApp } from '../apps/cache';
import type { Bindings } from '../env';
import { nowSeconds } from '../lib/time';
import type { SessionRecord } from '../sessions/sessions';
import { activeSigningKey } from './keys';
import { signJwt } from './jwt';
import { mappedClaims, type AttributeSource } from '../apps/attributes';
import { presentClaims } from '../users/user';
import { acrFor } from './acr';

export interface IdTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  auth_time: number;
}

export function buildClaims(input: {
  issuer: string;
  app: Pick<ServedApp, 'clientId' | 'tokenTtlSeconds' | 'attributeMap'>;
  session: Pick<SessionRecord, 'userId' | 'authTime' | 'profile'> & Partial<Pick<SessionRecord, 'amr' | 'source'>>;
  now: number;
  jti: string;
}): IdTokenClaims {
  const { issuer, app, session, now, jti } = input;
  const core = { ...presentClaims(session.profile), sub: session.userId };
  // A mapped claim whose source the user lacks is left out too.
  const mapped = Object.entries(mappedClaims(app.attributeMap, core as Record<AttributeSource, unknown>)).filter(([, value]) => value !== undefined);
  return {
    ...Object.fromEntries(mapped),
    ...core,
    iss: issuer,
    aud: app.clientId,
    iat: now,
    exp: now + app.tokenTtlSeconds,
    jti,
    auth_time: session.authTime,
    // How the user signed in, and through which identity source (its slug) when not edge-sso's own login.
    // `acr` says how strongly (src/mfa/assurance.ts): urn:edge-sso:mfa or urn:edge-sso:pwd.
    ...(session.amr?.length ? { amr: session.amr, acr: acrFor(session.amr) } : {}),
    ...(session.source ? { idp: session.source } : {}),
  };
}

export async function mintIdToken(env: Bindings, app: ServedApp, session: SessionRecord, issuer: string): Promise<string> {
  const claims = buildClaims({ issuer, app, session, now: nowSeconds(), jti: crypto.randomUUID() });
  if (app.signingAlg === 'HS256') {
    if (!app.hmacKey) throw new Error(`app ${app.clientId} has no HMAC key loaded`);
    return signJwt(claims, { alg: 'HS256', typ: 'JWT' }, app.hmacKey);
  }
  const key = await activeSigningKey(env, app.signingAlg);
  return signJwt(claims, { alg: key.alg, typ: 'JWT', kid: key.kid }, key.privateKey);
}

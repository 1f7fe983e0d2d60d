// Verifies an id_token the way an app would: used by the console's Test SSO.
import { createLocalJWKSet, decodeProtectedHeader, decodeJwt, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import type { App } from '../apps/app';
import { readClientSecret } from '../apps/store';
import { database } from '../db/client';
import type { Bindings } from '../env';
import { utf8 } from '../lib/encoding';
import { publicJwks } from './keys';
import { keyring } from '../lib/secret-box';

export interface TokenInspection {
  header: ProtectedHeaderParameters;
  claims: JWTPayload;
  /** null when the signature and claims check out; else what an app's verifier would say. */
  error: string | null;
}

/** `clockTolerance`: seconds an expired token still passes (an `id_token_hint` at sign-out is often expired). */
export async function inspectIdToken(env: Bindings, app: App, token: string, issuer: string, tolerance: { clockTolerance?: number } = {}): Promise<TokenInspection> {
  const header = decodeProtectedHeader(token);
  const claims = decodeJwt(token);
  const options = { issuer, audience: app.clientId, algorithms: [app.signingAlg], ...tolerance };
  try {
    if (app.signingAlg === 'HS256') {
      await jwtVerify(token, utf8(await readClientSecret(database(env.DB), keyring(env), app.clientId)), options);
    } else {
      await jwtVerify(token, createLocalJWKSet(await publicJwks(env)), options);
    }
    return { header, claims, error: null };
  } catch (error) {
    return { header, claims, error: error instanceof Error ? error.message : String(error) };
  }
}

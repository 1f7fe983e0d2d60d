// Which user claims a token or the userinfo response carries, by granted scope, and the ID
// token's claims. Pure functions: tested by the thousand in test/oidc/pure.test.ts.
import { mappedClaims, type AttributeMap, type AttributeSource } from '../apps/attributes';
import { presentClaims, type ProfileClaims } from '../users/user';
import type { Scope } from './scope';
import { acrFor } from '../mfa/assurance';

/** The standard claims each scope releases (OIDC Core §5.4; `groups` is ours). */
export const CLAIMS_BY_SCOPE: Partial<Record<Scope, readonly (keyof ProfileClaims)[]>> = {
  profile: ['name', 'given_name', 'family_name', 'preferred_username'],
  email: ['email', 'email_verified'],
  groups: ['groups'],
};

/** Every claim edge-sso may issue, for the discovery document. */
export const CLAIMS_SUPPORTED = [
  'iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash', 'amr', 'acr', 'idp',
  ...Object.values(CLAIMS_BY_SCOPE).flat(),
] as const;

/**
 * `sub` plus the claims the granted scopes release, plus the app's mapped claims whose source
 * is released too (a mapping never leaks a claim the scopes withhold).
 */
export function scopedClaims(sub: string, profile: ProfileClaims, scopes: readonly Scope[], attributeMap: AttributeMap): Record<string, unknown> {
  const released: Record<string, unknown> = { sub };
  for (const scope of scopes) {
    const present = presentClaims(profile);
    for (const claim of CLAIMS_BY_SCOPE[scope] ?? []) if (present[claim] !== undefined) released[claim] = present[claim];
  }
  const core = { ...profile, sub } as Record<AttributeSource, unknown>;
  const allowed = Object.fromEntries(Object.entries(attributeMap).filter(([, source]) => source in released)) as AttributeMap;
  return { ...mappedClaims(allowed, core), ...released };
}

export interface IdTokenInput {
  issuer: string;
  clientId: string;
  userClaims: Record<string, unknown>;
  authTime: number;
  amr: readonly string[];
  /** The identity source's slug when the session came from one; released as `idp`, like JWT SSO. */
  source?: string | null;
  nonce?: string | null;
  atHash: string;
  now: number;
  ttlSeconds: number;
}

/** The ID token's claims (OIDC Core §2). `aud` is the one client, so `azp` is not needed. */
export function idTokenClaims(input: IdTokenInput): Record<string, unknown> {
  return {
    ...input.userClaims,
    iss: input.issuer,
    aud: input.clientId,
    iat: input.now,
    exp: input.now + input.ttlSeconds,
    auth_time: input.authTime,
    amr: [...input.amr],
    acr: acrFor(input.amr),
    ...(input.source ? { idp: input.source } : {}),
    at_hash: input.atHash,
    ...(input.nonce ? { nonce: input.nonce } : {}),
  };
}

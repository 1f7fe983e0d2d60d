// Scopes: what a client may ask for, and what is granted. Pure functions.

export const SUPPORTED_SCOPES = ['openid', 'profile', 'email', 'groups', 'offline_access'] as const;
export type Scope = (typeof SUPPORTED_SCOPES)[number];

/**
 * The supported scopes named in a `scope` parameter, in canonical order. Unknown scopes are
 * dropped (RFC 6749 §3.3 lets the server grant less than asked; the response says what was granted).
 */
export function grantedScopes(raw: string | undefined): Scope[] {
  if (!raw) return [];
  const asked = new Set(raw.split(' '));
  return SUPPORTED_SCOPES.filter((scope) => asked.has(scope));
}

export function formatScope(scopes: readonly string[]): string {
  return scopes.join(' ');
}

/** The scopes of a stored grant (already canonical). */
export function parseStoredScope(stored: string): Scope[] {
  return grantedScopes(stored);
}

// Attribute mapping: extra claim names for apps that expect, say, `first_name` instead of
// `given_name`. The core claims always stay; a mapping only adds claims, it never replaces one.

/** The user fields a mapped claim can carry (the names of the core claims that hold them). */
export const ATTRIBUTE_SOURCES = ['sub', 'email', 'email_verified', 'name', 'given_name', 'family_name', 'preferred_username', 'groups'] as const;
export type AttributeSource = (typeof ATTRIBUTE_SOURCES)[number];

/** Claims a mapping may not define: the registered JWT claims and the core claims. */
const RESERVED = new Set<string>(['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'auth_time', 'azp', 'nonce', 'amr', 'acr', ...ATTRIBUTE_SOURCES]);
/** Claims edge-sso sets only sometimes: a mapping must not fake them when they are absent. */
const SET_BY_EDGE_SSO = new Map<string, string>([['idp', 'names the identity source the user signed in through']]);
/** Names JavaScript objects treat specially. */
const OBJECT_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const CLAIM_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
const MAX_MAPPINGS = 20;

export type AttributeMap = Record<string, AttributeSource>;

/** Checks a mapping; returns it, or the reason it is refused. */
export function checkAttributeMap(value: unknown): { ok: true; map: AttributeMap } | { ok: false; reason: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'must be an object of claim name → user field' };
  const entries = Object.entries(value);
  if (entries.length > MAX_MAPPINGS) return { ok: false, reason: `may have at most ${MAX_MAPPINGS} entries` };
  for (const [claim, source] of entries) {
    if (!CLAIM_NAME.test(claim)) return { ok: false, reason: `"${claim}" is not a valid claim name (letters, digits, _ . : -; up to 64)` };
    if (RESERVED.has(claim)) return { ok: false, reason: `"${claim}" is a core claim and is always sent; pick another name` };
    if (SET_BY_EDGE_SSO.has(claim)) return { ok: false, reason: `"${claim}" is set by edge-sso (it ${SET_BY_EDGE_SSO.get(claim)}); pick another name` };
    if (OBJECT_KEYS.has(claim)) return { ok: false, reason: `"${claim}" cannot be used as a claim name` };
    if (typeof source !== 'string' || !(ATTRIBUTE_SOURCES as readonly string[]).includes(source)) {
      return { ok: false, reason: `"${claim}" must map to one of: ${ATTRIBUTE_SOURCES.join(', ')}` };
    }
  }
  // fromEntries defines own properties, so no name can reach an object's prototype.
  return { ok: true, map: Object.fromEntries(entries) as AttributeMap };
}

/** Reads the console's text form: one `claim = field` per line. */
export function parseAttributeLines(text: string): Record<string, string> | string {
  const map: Record<string, string> = Object.create(null); // so "__proto__ = email" is an entry, refused later
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const m = /^([^=\s]+)\s*=\s*(\S+)$/.exec(line);
    if (!m) return `line ${i + 1} should look like "first_name = given_name"`;
    map[m[1]!] = m[2]!;
  }
  return map;
}

export function formatAttributeLines(map: Record<string, string>): string {
  return Object.entries(map)
    .map(([claim, source]) => `${claim} = ${source}`)
    .join('\n');
}

/** The extra claims of a mapping, read from the core claims already built. */
export function mappedClaims(map: AttributeMap, core: Record<AttributeSource, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map).map(([claim, source]) => [claim, core[source]]));
}

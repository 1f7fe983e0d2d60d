// Pure mapping from what an upstream sent to edge-sso's profile: which claim fills each field
// (claim_map) and how upstream groups become edge-sso groups (group_map). Upstream data is
// hostile input: anything that is not a short string is dropped, never thrown on.
import type { ClaimMap, GroupMap, UpstreamProfile } from './types';

/** Limits that keep one upstream from growing a user record (and every token) without bound. */
export const MAX_GROUPS = 100;
export const MAX_GROUP_LENGTH = 256;
const MAX_FIELD_LENGTH = 254;

/** edge-sso's profile fields as a source fills them in. */
export interface MappedProfile {
  /** Lower-cased; empty when upstream sent none. */
  email: string;
  email_verified: boolean;
  name: string;
  given_name: string;
  family_name: string;
  username: string;
  groups: string[];
}

const CONTROL = /[\u0000-\u001f\u007f]/;

/** A short, printable string, or undefined. */
function cleanString(value: unknown, max = MAX_FIELD_LENGTH): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '' || text.length > max || CONTROL.test(text)) return undefined;
  return text;
}

/** The value at a claim name, or a dotted path into nested objects (`address.locality`). Own properties only. */
export function claimAt(raw: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(raw, path)) return raw[path];
  let value: unknown = raw;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** `email_verified` is true only when upstream said so: `true`, or the string "true" some providers send. */
export function isVerified(value: unknown): boolean {
  return value === true || value === 'true';
}

/** The standard OIDC claims (an ID token merged with userinfo) as an UpstreamProfile. */
export function profileFromClaims(claims: Record<string, unknown>, subject: string, groupClaim = 'groups'): UpstreamProfile {
  const amr = Array.isArray(claims.amr) ? claims.amr.filter((v): v is string => typeof v === 'string' && v.length <= 32).slice(0, 10) : undefined;
  return {
    subject,
    email: cleanString(claims.email),
    email_verified: isVerified(claims.email_verified),
    name: cleanString(claims.name),
    given_name: cleanString(claims.given_name),
    family_name: cleanString(claims.family_name),
    username: cleanString(claims.preferred_username),
    groups: groupList(claimAt(claims, groupClaim)),
    raw: claims,
    ...(amr?.length ? { amr } : {}),
  };
}

/** An upstream groups claim as a clean list: an array of strings, or one string. Other entries are dropped. */
export function groupList(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  const groups: string[] = [];
  for (const item of items) {
    const group = cleanString(typeof item === 'number' ? String(item) : item, MAX_GROUP_LENGTH);
    if (group !== undefined && !groups.includes(group)) groups.push(group);
    if (groups.length === MAX_GROUPS) break;
  }
  return groups;
}

/** Applies a group map: read the claim, rename (exact match), then prefix; no empties, no duplicates, bounded. */
export function mapGroups(raw: Record<string, unknown>, map: GroupMap): string[] {
  const mapped: string[] = [];
  for (const group of groupList(claimAt(raw, map.claim))) {
    const renamed = Object.hasOwn(map.rename, group) ? map.rename[group]! : group;
    const name = `${map.prefix}${renamed}`;
    if (renamed !== '' && name.length <= MAX_GROUP_LENGTH && !mapped.includes(name)) mapped.push(name);
  }
  return mapped;
}

const STANDARD: Record<keyof ClaimMap, keyof UpstreamProfile> = {
  email: 'email',
  name: 'name',
  given_name: 'given_name',
  family_name: 'family_name',
  username: 'username',
};

/**
 * The edge-sso profile for an upstream profile: each field from the mapped claim when the admin
 * set one (and it holds a usable string), else from the client's standard parsing.
 * `email_verified` always comes from upstream: a mapped email claim is never verified by mapping.
 */
export function mapProfile(upstream: UpstreamProfile, claimMap: ClaimMap, groupMap: GroupMap): MappedProfile {
  const field = (key: keyof ClaimMap): string => {
    const mappedClaim = claimMap[key];
    if (mappedClaim) return cleanString(claimAt(upstream.raw, mappedClaim)) ?? '';
    return (upstream[STANDARD[key]] as string | undefined) ?? '';
  };
  const email = field('email').toLowerCase();
  const emailFromStandard = !claimMap.email || claimMap.email === 'email';
  const groupsFromRaw = claimAt(upstream.raw, groupMap.claim) !== undefined;
  return {
    email,
    email_verified: email !== '' && emailFromStandard && upstream.email_verified,
    name: field('name'),
    given_name: field('given_name'),
    family_name: field('family_name'),
    username: field('username'),
    // Clients may parse groups from somewhere other than raw (e.g. a separate API call): use theirs then.
    groups: groupsFromRaw ? mapGroups(upstream.raw, groupMap) : mapGroups({ groups: upstream.groups }, { ...groupMap, claim: 'groups' }),
  };
}

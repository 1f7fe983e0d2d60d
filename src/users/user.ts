// What a user is, and the profile claims every token carries about them.
import type { UserRow } from '../db/schema';

export const ROLES = ['admin'] as const;
export type Role = (typeof ROLES)[number];

export type User = Omit<UserRow, 'passwordHash'> & { hasPassword: boolean };

/** The user claims of an id_token. Snapshotted into the session so the hot path needs no D1 query. */
export interface ProfileClaims {
  email: string;
  email_verified: boolean;
  name: string;
  given_name: string;
  family_name: string;
  preferred_username: string;
  groups: string[];
}

export function toUser(row: UserRow): User {
  const { passwordHash, ...rest } = row;
  return { ...rest, hasPassword: passwordHash !== null };
}

export function profileClaims(user: User): ProfileClaims {
  return {
    email: user.email,
    email_verified: user.emailVerified,
    name: user.name,
    given_name: user.givenName,
    family_name: user.familyName,
    preferred_username: user.username || user.email,
    groups: user.groups,
  };
}

/**
 * The profile claims the user has: a claim whose value is empty (no given name on record) is left
 * out rather than sent as "" (OIDC Core §5.3.2), in every token and at userinfo.
 */
export function presentClaims(profile: ProfileClaims): Partial<ProfileClaims> {
  const present: Record<string, unknown> = {};
  for (const name of Object.keys(profile)) {
    const value = profile[name as keyof ProfileClaims];
    if (value !== '') present[name] = value;
  }
  return present as Partial<ProfileClaims>;
}

export function userToJson(user: User) {
  return {
    id: user.id,
    email: user.email,
    email_verified: user.emailVerified,
    name: user.name,
    given_name: user.givenName,
    family_name: user.familyName,
    username: user.username,
    groups: user.groups,
    roles: user.roles,
    disabled: user.disabled,
    mfa_required: user.mfaRequired,
    has_password: user.hasPassword,
    created_at: new Date(user.createdAt * 1000).toISOString(),
    updated_at: new Date(user.updatedAt * 1000).toISOString(),
  };
}

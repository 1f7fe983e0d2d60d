// The admin's `access` field: "everyone", or { groups: [...], users: [...] } where users are
// given by id or email. Parsing is pure; which users exist is checked by resolveAccessUsers.
import { inArray, or } from 'drizzle-orm';
import type { Database } from '../db/client';
import { slices } from '../db/limits';
import { users } from '../db/schema';
import { ValidationError } from '../lib/errors';
import type { FieldReader } from '../lib/validation';
import type { AccessRule, RestrictedAccess } from './access';

export const MAX_ACCESS_GROUPS = 100;
export const MAX_ACCESS_USERS = 200;
const GROUP = /^[^\u0000-\u001f\u007f]+$/;
const EVERYONE_HINT = 'must be "everyone" or an object { "groups": [...], "users": [...] }';

/** Reads `access` from the admin's JSON: "everyone" (or null), or the lists. Users are still ids or emails here. */
export function readAccess(fields: FieldReader): AccessRule | undefined {
  if (!fields.has('access')) return undefined;
  const value = fields.value('access');
  if (value === null || value === 'everyone') return 'everyone';
  if (typeof value !== 'object' || Array.isArray(value)) return fields.fail('access', EVERYONE_HINT);
  const input = value as Record<string, unknown>;
  const unknown = Object.keys(input).filter((key) => key !== 'groups' && key !== 'users');
  if (unknown.length > 0) return fields.fail('access', `has unknown fields (${unknown.join(', ')}); ${EVERYONE_HINT}`);
  const groups = list(fields, 'access.groups', input.groups, MAX_ACCESS_GROUPS, 100);
  const members = list(fields, 'access.users', input.users, MAX_ACCESS_USERS, 254);
  if (!groups || !members) return undefined;
  if (groups.length === 0 && members.length === 0) {
    return fields.fail('access', 'lists no group and no user, so no one could open the app; list at least one, or use "everyone"');
  }
  return { groups, users: members };
}

function list(fields: FieldReader, key: string, value: unknown, maxItems: number, maxLength: number): string[] | undefined {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return fields.fail(key, 'must be an array of strings');
  const items = [...new Set(value.map((v: string) => v.trim()).filter((v) => v !== ''))];
  if (items.length > maxItems) return fields.fail(key, `must have at most ${maxItems} entries`);
  const bad = items.find((v) => v.length > maxLength || !GROUP.test(v));
  if (bad !== undefined) return fields.fail(key, `has an invalid entry "${bad}"`);
  return items;
}

/**
 * Replaces each listed user (an id or an email) by the user's id. Groups may name groups no user
 * is in yet; users must exist: an unknown one is a 400 naming it.
 */
export async function resolveAccessUsers(db: Database, rule: AccessRule): Promise<RestrictedAccess | null> {
  if (rule === 'everyone') return null;
  if (rule.users.length === 0) return { groups: [...rule.groups], users: [] };
  const wanted = rule.users;
  const lowered = wanted.map((u) => u.toLowerCase());
  const found = (
    await Promise.all(
      slices([...new Set([...wanted, ...lowered])], 2).map((refs) =>
        db.select({ id: users.id, email: users.email }).from(users).where(or(inArray(users.id, refs), inArray(users.email, refs))),
      ),
    )
  ).flat();
  const ids: string[] = [];
  const missing: string[] = [];
  for (const ref of wanted) {
    const user = found.find((u) => u.id === ref) ?? found.find((u) => u.email === ref.normalize('NFC').toLowerCase());
    if (!user) missing.push(ref);
    else if (!ids.includes(user.id)) ids.push(user.id);
  }
  if (missing.length > 0) {
    throw new ValidationError({ 'access.users': `names no user: ${missing.map((m) => `"${m}"`).join(', ')} (give a user id or email of an existing user)` });
  }
  return { groups: [...rule.groups], users: ids };
}

/**
 * The changes with `access` resolved (emails to ids), so an edit that names the same users by
 * email compares equal to the stored rule and is not written or audited as a change.
 */
export async function withResolvedAccess<T extends { access?: AccessRule }>(db: Database, changes: T): Promise<T> {
  if (changes.access === undefined) return changes;
  return { ...changes, access: (await resolveAccessUsers(db, changes.access)) ?? 'everyone' };
}

// Group membership as the user store keeps it: each user's `groups` list names their groups.
// Changes are single statements over the JSON list (json_each), so two requests changing one
// user's groups at once cannot lose each other's change. Each returns the users it changed, so
// the caller can bring their live sessions up to date.
import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';
import { slices } from '../db/limits';
import { groups, users } from '../db/schema';
import { nowSeconds } from '../lib/time';
import { toUser, type User } from './user';

/** The most groups one user may have (as the admin API allows). */
export const MAX_GROUPS_PER_USER = 100;

const hasGroup = (name: string): SQL => sql`exists (select 1 from json_each(${users.groups}) where value = ${name})`;

/** Users in the group, by email, at most `limit`. */
export async function groupMembers(db: Database, name: string, limit = 1000): Promise<User[]> {
  const rows = await db.select().from(users).where(hasGroup(name)).orderBy(asc(users.email)).limit(limit);
  return rows.map(toUser);
}

export async function countGroupMembers(db: Database, name: string): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)` }).from(users).where(hasGroup(name));
  return row?.n ?? 0;
}

/** Of these user ids, the ones that exist. */
export async function existingUserIds(db: Database, ids: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const slice of slices([...new Set(ids)])) {
    const rows = await db.select({ id: users.id }).from(users).where(inArray(users.id, slice));
    for (const r of rows) found.add(r.id);
  }
  return found;
}

/** Adds the group to each user that lacks it (and has room for it). Returns the users changed. */
export async function addUsersToGroup(db: Database, name: string, userIds: string[]): Promise<User[]> {
  const changed: User[] = [];
  for (const slice of slices([...new Set(userIds)], 1, 20)) {
    const rows = await db
      .update(users)
      .set({ groups: sql`json_insert(${users.groups}, '$[#]', ${name})`, updatedAt: nowSeconds() })
      .where(and(inArray(users.id, slice), sql`not ${hasGroup(name)}`, sql`json_array_length(${users.groups}) < ${MAX_GROUPS_PER_USER}`))
      .returning();
    changed.push(...rows.map(toUser));
  }
  return changed;
}

const without = (name: string): SQL =>
  sql`(select coalesce(json_group_array(value), json('[]')) from json_each(${users.groups}) where value <> ${name})`;

/** Takes the group from these users (from every member when `userIds` is null). Returns the users changed. */
export async function removeUsersFromGroup(db: Database, name: string, userIds: string[] | null): Promise<User[]> {
  const update = (where: SQL | undefined) =>
    db
      .update(users)
      .set({ groups: without(name), updatedAt: nowSeconds() })
      .where(and(where, hasGroup(name)))
      .returning();
  if (userIds === null) return (await update(undefined)).map(toUser);
  const changed: User[] = [];
  for (const slice of slices([...new Set(userIds)], 1, 20)) changed.push(...(await update(inArray(users.id, slice))).map(toUser));
  return changed;
}

/**
 * The statement that renames the group on every member (a member who already had the new name
 * keeps it once), returning the changed rows (toUser them): for the caller's batch, so the group
 * is renamed everywhere at once (src/scim/groups.ts); `when` makes it depend on an earlier statement.
 */
export function renameGroupOnUsers(db: Database, from: string, to: string, when?: SQL) {
  const renamed = sql`(select json_group_array(distinct case when value = ${from} then ${to} else value end) from json_each(${users.groups}))`;
  return db.update(users).set({ groups: renamed, updatedAt: nowSeconds() }).where(and(hasGroup(from), when)).returning();
}

/** Every group name some user has, with how many users have it. */
export async function groupNamesInUse(db: Database): Promise<Map<string, number>> {
  const rows = await db.all<{ name: string; n: number }>(
    sql`select value as name, count(*) as n from ${users}, json_each(${users.groups}) group by value order by value limit 5000`,
  );
  return new Map(rows.map((r) => [r.name, r.n]));
}

/**
 * Records that an identity source's sign-in brought these groups (origin `source`), for the
 * console's Groups page. A group that already has a row (pushed by SCIM, or first seen from
 * another source) keeps its origin.
 */
export async function recordSourceGroups(db: Database, source: string, names: string[]): Promise<void> {
  const now = nowSeconds();
  for (const slice of slices([...new Set(names)], 5)) {
    if (slice.length === 0) continue;
    await db
      .insert(groups)
      .values(slice.map((name) => ({ id: crypto.randomUUID(), name, origin: 'source' as const, source, createdAt: now, updatedAt: now })))
      .onConflictDoNothing();
  }
}

/** Of these group names, the ones SCIM manages: a sign-in's group claim does not take them away. */
export async function scimManagedGroups(db: Database, names: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const slice of slices([...new Set(names)])) {
    if (slice.length === 0) continue;
    const rows = await db.select({ name: groups.name }).from(groups).where(and(inArray(groups.name, slice), eq(groups.origin, 'scim')));
    found.push(...rows.map((r) => r.name));
  }
  return found;
}

export type GroupOrigin = { kind: 'scim' } | { kind: 'source'; source: string } | { kind: 'manual' };

export interface GroupSummary {
  name: string;
  origin: GroupOrigin;
  memberCount: number;
  /** The first members, by email. */
  members: { id: string; email: string }[];
}

/**
 * Every group edge-sso knows: the names users have, and the groups SCIM or a source brought
 * (which may have no member yet), each with where it comes from and its first members.
 */
export async function listGroupSummaries(db: Database, membersShown = 50): Promise<GroupSummary[]> {
  const [rows, counts, memberships] = await Promise.all([
    db.select({ name: groups.name, origin: groups.origin, source: groups.source }).from(groups).limit(5000),
    groupNamesInUse(db),
    // The first members of each group, by email (a window per group, so a large group costs no more).
    db.all<{ name: string; id: string; email: string }>(
      sql`select name, id, email from (select j.value as name, u.id as id, u.email as email, row_number() over (partition by j.value order by u.email) as n from users u, json_each(u.groups) j) where n <= ${membersShown} order by name, email`,
    ),
  ]);
  const byName = new Map<string, GroupSummary>();
  const entry = (name: string) => {
    let summary = byName.get(name);
    if (!summary) byName.set(name, (summary = { name, origin: { kind: 'manual' }, memberCount: 0, members: [] }));
    return summary;
  };
  for (const row of rows) entry(row.name).origin = row.origin === 'scim' ? { kind: 'scim' } : { kind: 'source', source: row.source ?? '' };
  for (const [name, count] of counts) entry(name).memberCount = count;
  for (const m of memberships) entry(m.name).members.push({ id: m.id, email: m.email });
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Forgets groups a source's sign-in brought that no user has any more (a day after they were
 * first seen, so a group recorded a moment before its first member is not lost). SCIM groups
 * stay until the SCIM client deletes them.
 */
export async function pruneUnusedSourceGroups(db: Database, now: number): Promise<number> {
  const gone = await db
    .delete(groups)
    .where(and(eq(groups.origin, 'source'), sql`${groups.createdAt} < ${now - 86_400}`, sql`not exists (select 1 from ${users}, json_each(${users.groups}) j where j.value = ${groups.name})`))
    .returning({ id: groups.id });
  return gone.length;
}

// SCIM Users over edge-sso's user store: the same createUser/updateUser/deleteUser an admin's
// change uses, and the same session consequences (syncUserSessionsAndNotifyApps: disabling ends
// every live session, revokes grants and tells the apps by back-channel logout, in this request).
import { asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { audit } from '../audit/audit';
import type { Database } from '../db/client';
import { groups, scimUsers, users } from '../db/schema';
import { slices } from '../db/limits';
import { dbOf } from '../http/context';
import { ConflictError } from '../lib/errors';
import { nowSeconds } from '../lib/time';
import { endUserSessionsAndNotifyApps, syncUserSessionsAndNotifyApps } from '../logout/backchannel';
import { changedUserFields } from '../users/changes';
import type { UserFields } from '../users/input';
import { createUser, deleteUser, getUser, updateUser } from '../users/store';
import { toUser, type User } from '../users/user';
import { app, scimActor, type ScimContext } from './context';
import { ScimError } from './errors';
import type { Filter } from './filter';
import { linkProvisionedUser } from './linking';
import { userFilterSql } from './query';
import type { ScimUserInput, UserRecord } from './user-resource';

const notFound = (id: string) => new ScimError(404, `No user with id "${id.slice(0, 100)}".`);
const userNameTaken = (userName: string) => new ScimError(409, `A user with userName "${userName.slice(0, 254)}" already exists.`, 'uniqueness');

/** The SCIM groups (rows of `groups`) each of these users is in, by user id. */
async function groupsOfUsers(db: Database, list: User[]): Promise<Map<string, { id: string; name: string }[]>> {
  const names = [...new Set(list.flatMap((u) => u.groups))];
  const rows: { id: string; name: string }[] = [];
  for (const slice of slices(names)) rows.push(...(await db.select({ id: groups.id, name: groups.name }).from(groups).where(inArray(groups.name, slice))));
  const byName = new Map(rows.map((r) => [r.name, r]));
  return new Map(list.map((u) => [u.id, u.groups.flatMap((g) => (byName.has(g) ? [byName.get(g)!] : []))]));
}

async function records(db: Database, rows: { users: typeof users.$inferSelect; scim_users: typeof scimUsers.$inferSelect | null }[]): Promise<UserRecord[]> {
  const list = rows.map((r) => toUser(r.users));
  const memberships = await groupsOfUsers(db, list);
  return rows.map((r, i) => ({ user: list[i]!, scim: r.scim_users, groups: memberships.get(list[i]!.id) ?? [] }));
}

export async function loadUserRecord(db: Database, id: string): Promise<UserRecord | null> {
  const rows = await db.select().from(users).leftJoin(scimUsers, eq(scimUsers.userId, users.id)).where(eq(users.id, id)).limit(1);
  return (await records(db, rows))[0] ?? null;
}

export async function requireUserRecord(db: Database, id: string): Promise<UserRecord> {
  const record = await loadUserRecord(db, id);
  if (!record) throw notFound(id);
  return record;
}

/** One page of users matching the filter, in a stable order (creation, then id), and how many match. */
export async function listUserRecords(db: Database, filter: Filter | null, startIndex: number, count: number): Promise<{ records: UserRecord[]; total: number }> {
  const where: SQL | undefined = filter ? userFilterSql(filter) : undefined;
  const [rows, [counted]] = await Promise.all([
    count === 0
      ? Promise.resolve([])
      : db.select().from(users).leftJoin(scimUsers, eq(scimUsers.userId, users.id)).where(where).orderBy(asc(users.createdAt), asc(users.id)).limit(count).offset(startIndex - 1),
    db.select({ n: sql<number>`count(*)` }).from(users).leftJoin(scimUsers, eq(scimUsers.userId, users.id)).where(where),
  ]);
  return { records: await records(db, rows), total: counted?.n ?? 0 };
}

function userFields(input: ScimUserInput): Partial<UserFields> & Pick<UserFields, 'email'> {
  return {
    email: input.email,
    // The organisation's directory vouches for the address it provisions.
    emailVerified: true,
    name: input.displayName,
    givenName: input.givenName,
    familyName: input.familyName,
    disabled: !input.active,
    ...(input.password !== undefined ? { password: input.password } : {}),
  };
}

async function saveScimRecord(c: ScimContext, userId: string, input: ScimUserInput): Promise<void> {
  const now = nowSeconds();
  const row = { userName: input.userName, externalId: input.externalId, attributes: input.attributes, tokenId: c.get('scimToken').id, updatedAt: now };
  await dbOf(app(c))
    .insert(scimUsers)
    .values({ userId, createdAt: now, ...row })
    .onConflictDoUpdate({ target: scimUsers.userId, set: row });
}

/** POST /Users. Two requests with one userName create one user: the unique email decides, the other gets 409 uniqueness. */
export async function createScimUser(c: ScimContext, input: ScimUserInput): Promise<string> {
  const db = dbOf(app(c));
  let user: User;
  try {
    user = await createUser(db, userFields(input));
  } catch (error) {
    if (error instanceof ConflictError) throw userNameTaken(input.userName);
    throw error;
  }
  await saveScimRecord(c, user.id, input);
  await linkProvisionedUser(c, user, input.externalId);
  audit(app(c), { type: 'user.create', actor: scimActor(c), target: user.id, detail: { email: user.email, via: 'scim', active: input.active } });
  return user.id;
}

/**
 * A SCIM token must not become a way into the console. Whoever holds it could otherwise take an
 * administrator's account: set its password, or change its address and then reset the password
 * through mail sent to the new one. (Nor is an administrator linked to the paired source's account
 * an externalId names: src/scim/linking.ts.) Disabling an administrator (off-boarding) stays
 * possible: it takes access away, never gives it.
 */
function refuseAdministratorTakeover(current: User, changes: Partial<UserFields>, input: ScimUserInput): void {
  if (!current.roles.includes('admin')) return;
  const refused = [input.password !== undefined ? 'password' : null, changes.email !== undefined ? 'email address (userName, emails)' : null].filter(
    (field) => field !== null,
  );
  if (refused.length === 0) return;
  throw new ScimError(403, `This user is an edge-sso administrator: a SCIM client cannot change their ${refused.join(' or ')}. An administrator changes it in the console.`);
}

/**
 * PUT /Users/:id, and PATCH after its operations are applied: the user becomes what the resource
 * says. Disabling (or a new password) ends the user's sessions and grants and tells the apps now.
 */
export async function replaceScimUser(c: ScimContext, current: User, input: ScimUserInput): Promise<void> {
  const db = dbOf(app(c));
  const changes = changedUserFields(current, userFields(input));
  refuseAdministratorTakeover(current, changes, input);
  if (Object.keys(changes).length > 0) {
    let user: User;
    try {
      user = await updateUser(db, current.id, changes);
    } catch (error) {
      if (error instanceof ConflictError) throw userNameTaken(input.userName);
      throw error;
    }
    await syncUserSessionsAndNotifyApps(app(c), user, { passwordChanged: changes.password !== undefined });
    const fields = Object.keys(changes).map((k) => (k === 'password' ? 'password' : k));
    audit(app(c), { type: 'user.update', actor: scimActor(c), target: user.id, detail: { fields, via: 'scim', ...('disabled' in changes ? { disabled: changes.disabled } : {}) } });
  }
  await saveScimRecord(c, current.id, input);
  await linkProvisionedUser(c, current, input.externalId);
}

/** DELETE /Users/:id: as an admin's delete, sessions first (with the apps told), then the user. */
export async function deleteScimUser(c: ScimContext, id: string): Promise<void> {
  const db = dbOf(app(c));
  if (!(await getUser(db, id))) throw notFound(id);
  await endUserSessionsAndNotifyApps(app(c), id);
  try {
    await deleteUser(db, id);
  } catch (error) {
    if (error instanceof ScimError || (error as { status?: number }).status === 404) throw notFound(id);
    throw error;
  }
  audit(app(c), { type: 'user.delete', actor: scimActor(c), target: id, detail: { via: 'scim' } });
}

// SCIM Groups. A group's displayName is an edge-sso group name: membership is the members'
// `groups` lists (src/users/groups.ts), so access rules name it and tokens carry it, and every
// change reaches the members' live sessions as an admin's change does.
import { and, asc, eq, sql } from 'drizzle-orm';
import { forgetApp } from '../apps/cache';
import { renameGroupInAccessRules } from '../apps/store';
import { audit } from '../audit/audit';
import type { Database } from '../db/client';
import { isUniqueViolation } from '../db/errors';
import { groups, type GroupRow, type UserRow } from '../db/schema';
import { dbOf } from '../http/context';
import { identifierProblem } from '../lib/validation';
import { nowSeconds } from '../lib/time';
import { refreshUserSessions } from '../sessions/sessions';
import { addUsersToGroup, existingUserIds, groupMembers, removeUsersFromGroup, renameGroupOnUsers } from '../users/groups';
import { profileClaims, toUser, type User } from '../users/user';
import { app, scimActor, type ScimContext } from './context';
import { invalidValue, ScimError } from './errors';
import { attrOf, type Filter } from './filter';
import { readPath, type PatchOperation } from './patch';
import { groupFilterSql, GROUP_SCHEMA } from './query';
import { versionOf } from './user-resource';

const MAX_MEMBERS_PER_REQUEST = 1000;
const notFound = (id: string) => new ScimError(404, `No group with id "${id.slice(0, 100)}".`);
const nameTaken = (name: string) => new ScimError(409, `A group named "${name.slice(0, 100)}" already exists.`, 'uniqueness');

export interface GroupInput {
  displayName: string;
  externalId: string | null;
  /** User ids; undefined when the request did not say (PATCH). */
  members?: string[];
}

export function readGroupName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidValue('"displayName" is required.');
  const name = value.trim();
  if (name.length > 100) throw invalidValue('"displayName" must be at most 100 characters.');
  const problem = identifierProblem(name);
  if (problem || /[\u0000-\u001f\u007f]/.test(name)) throw invalidValue(`"displayName" ${problem ?? 'must not contain control characters'}.`);
  return name;
}

function readExternalId(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.length > 256) throw invalidValue('"externalId" must be a string of at most 256 characters.');
  return value;
}

/** Member references ([{ value: <user id> }]) as user ids. */
export function readMemberIds(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  if (list.length > MAX_MEMBERS_PER_REQUEST) throw invalidValue(`At most ${MAX_MEMBERS_PER_REQUEST} members per request.`);
  return list.map((m) => {
    const id = attrOf(m, 'value');
    if (typeof id !== 'string' || id === '' || id.length > 100) throw invalidValue('Each member needs a "value": the id of a User.');
    return id;
  });
}

export function parseGroupResource(body: unknown): GroupInput {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ScimError(400, 'The body must be a Group JSON object.', 'invalidSyntax');
  const members = attrOf(body, 'members');
  return { displayName: readGroupName(attrOf(body, 'displayname')), externalId: readExternalId(attrOf(body, 'externalid')), members: readMemberIds(members) };
}

export async function requireGroup(db: Database, id: string): Promise<GroupRow> {
  const [row] = await db.select().from(groups).where(eq(groups.id, id)).limit(1);
  if (!row) throw notFound(id);
  return row;
}

export async function listGroupRows(db: Database, filter: Filter | null, startIndex: number, count: number): Promise<{ rows: GroupRow[]; total: number }> {
  const where = filter ? groupFilterSql(filter) : undefined;
  const [rows, [counted]] = await Promise.all([
    count === 0 ? Promise.resolve([]) : db.select().from(groups).where(where).orderBy(asc(groups.createdAt), asc(groups.id)).limit(count).offset(startIndex - 1),
    db.select({ n: sql<number>`count(*)` }).from(groups).where(where),
  ]);
  return { rows, total: counted?.n ?? 0 };
}

/** The Group resource; `withMembers` false when the client excluded them (Entra ID always does). */
export async function renderGroup(db: Database, base: string, row: GroupRow, withMembers: boolean): Promise<Record<string, unknown>> {
  const members = withMembers ? await groupMembers(db, row.name, MAX_MEMBERS_PER_REQUEST) : [];
  const body: Record<string, unknown> = {
    schemas: [GROUP_SCHEMA],
    id: row.id,
    ...(row.externalId ? { externalId: row.externalId } : {}),
    displayName: row.name,
    ...(withMembers ? { members: members.map((u) => ({ value: u.id, display: u.email, $ref: `${base}/Users/${u.id}` })) } : {}),
  };
  const meta = { resourceType: 'Group', created: new Date(row.createdAt * 1000).toISOString(), lastModified: new Date(row.updatedAt * 1000).toISOString(), location: `${base}/Groups/${row.id}` };
  return { ...body, meta: { ...meta, version: await versionOf(body) } };
}

/** Brings the changed users' live sessions up to date (their groups), as an admin's change does. */
async function refreshSessions(c: ScimContext, changed: User[]): Promise<void> {
  await Promise.all(changed.map((u) => refreshUserSessions(c.env, u.id, profileClaims(u), u.roles)));
}

async function requireUsers(db: Database, ids: string[]): Promise<void> {
  const found = await existingUserIds(db, ids);
  const missing = ids.find((id) => !found.has(id));
  if (missing !== undefined) throw invalidValue(`No user with id "${missing.slice(0, 100)}" to make a member.`);
}

/** What one request changed, for the audit trail. */
interface Tally {
  added: number;
  removed: number;
  renamed?: { from: string; to: string; access_rules?: string[] };
}

async function addMembers(c: ScimContext, name: string, ids: string[], tally: Tally): Promise<void> {
  const db = dbOf(app(c));
  await requireUsers(db, ids);
  const changed = await addUsersToGroup(db, name, ids);
  tally.added += changed.length;
  await refreshSessions(c, changed);
}

async function removeMembers(c: ScimContext, name: string, ids: string[] | null, tally: Tally): Promise<void> {
  const changed = await removeUsersFromGroup(dbOf(app(c)), name, ids);
  tally.removed += changed.length;
  await refreshSessions(c, changed);
}

async function replaceMembers(c: ScimContext, name: string, ids: string[], tally: Tally): Promise<void> {
  const db = dbOf(app(c));
  await requireUsers(db, ids);
  const keep = new Set(ids);
  const current = await groupMembers(db, name, 100_000);
  await removeMembers(c, name, current.filter((u) => !keep.has(u.id)).map((u) => u.id), tally);
  await addMembers(c, name, ids, tally);
}

/**
 * Renames the group everywhere it is named, in one batch (one transaction): its row, its members'
 * `groups` lists and the access rules of apps, so the same people keep the same apps. Then the
 * members' live sessions carry the new name and this isolate forgets the changed apps, as an
 * admin's change does (other isolates re-read apps within CONFIG_CACHE_SECONDS).
 */
async function rename(c: ScimContext, row: GroupRow, to: string, tally: Tally): Promise<GroupRow> {
  if (to === row.name) return row;
  const db = dbOf(app(c));
  // Members and rules follow only if the group's row was renamed (it still had the name read: a
  // concurrent rename or delete is not undone by this one).
  const renamedRow = sql`exists (select 1 from ${groups} where ${groups.id} = ${row.id} and ${groups.name} = ${to})`;
  let result: [GroupRow[], UserRow[], { clientId: string }[]];
  try {
    result = await db.batch([
      db.update(groups).set({ name: to, updatedAt: nowSeconds() }).where(and(eq(groups.id, row.id), eq(groups.name, row.name))).returning(),
      renameGroupOnUsers(db, row.name, to, renamedRow),
      renameGroupInAccessRules(db, row.name, to, renamedRow),
    ]);
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(to);
    throw error;
  }
  const [[updated], members, ruleApps] = result;
  if (!updated) throw new ScimError(409, 'The group was changed by another request; read it again.');
  for (const { clientId } of ruleApps) forgetApp(clientId);
  await refreshSessions(c, members.map(toUser));
  tally.renamed = { from: row.name, to, ...(ruleApps.length ? { access_rules: ruleApps.map((a) => a.clientId) } : {}) };
  return updated;
}

async function setExternalId(c: ScimContext, row: GroupRow, externalId: string | null): Promise<GroupRow> {
  const [updated] = await dbOf(app(c)).update(groups).set({ externalId, updatedAt: nowSeconds() }).where(eq(groups.id, row.id)).returning();
  if (!updated) throw notFound(row.id);
  return updated;
}

function auditGroup(c: ScimContext, type: 'group.create' | 'group.update' | 'group.delete', row: GroupRow, tally?: Tally): void {
  audit(app(c), { type, actor: scimActor(c), target: row.id, detail: { name: row.name, via: 'scim', ...(tally ?? {}) } });
}

export async function createScimGroup(c: ScimContext, input: GroupInput): Promise<GroupRow> {
  const db = dbOf(app(c));
  if (input.members?.length) await requireUsers(db, input.members);
  const now = nowSeconds();
  let row: GroupRow | undefined;
  try {
    [row] = await db.insert(groups).values({ id: crypto.randomUUID(), name: input.displayName, origin: 'scim', externalId: input.externalId, createdAt: now, updatedAt: now }).returning();
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(input.displayName);
    throw error;
  }
  const tally: Tally = { added: 0, removed: 0 };
  if (input.members?.length) await addMembers(c, row!.name, input.members, tally);
  auditGroup(c, 'group.create', row!, tally);
  return row!;
}

/** PUT: the group becomes what the resource says, members included. */
export async function replaceScimGroup(c: ScimContext, row: GroupRow, input: GroupInput): Promise<GroupRow> {
  const tally: Tally = { added: 0, removed: 0 };
  let current = await rename(c, row, input.displayName, tally);
  if (input.externalId !== current.externalId) current = await setExternalId(c, current, input.externalId);
  await replaceMembers(c, current.name, input.members ?? [], tally);
  auditGroup(c, 'group.update', current, tally);
  return current;
}

/** The user ids a `members[…]` filter names: `value eq "…"`, possibly joined by `or`. */
function memberIdsOf(filter: Filter): string[] {
  if (filter.op === 'eq' && filter.path.attr === 'value' && !filter.path.sub && typeof filter.value === 'string') return [filter.value];
  if (filter.op === 'or') return [...memberIdsOf(filter.left), ...memberIdsOf(filter.right)];
  throw new ScimError(400, 'A members filter must be value eq "<user id>" (or several joined by or).', 'invalidFilter');
}

async function applyGroupOperation(c: ScimContext, row: GroupRow, op: PatchOperation['op'], pathText: string, value: unknown, tally: Tally): Promise<GroupRow> {
  const path = readPath(pathText);
  const attr = path.path.attr;
  if (path.path.uri && path.path.uri !== GROUP_SCHEMA.toLowerCase()) throw new ScimError(400, `The schema "${path.path.uri}" is not one a Group has.`, 'invalidPath');
  if (attr === 'members') {
    if (path.where) {
      if (op !== 'remove') throw new ScimError(400, 'Only "remove" takes a members[…] path; add members with the path "members".', 'invalidPath');
      await removeMembers(c, row.name, memberIdsOf(path.where), tally);
    } else if (op === 'add') await addMembers(c, row.name, readMemberIds(value), tally);
    else if (op === 'replace') await replaceMembers(c, row.name, readMemberIds(value), tally);
    // "remove" with members listed removes those; without, every member.
    else await removeMembers(c, row.name, value === undefined || value === null ? null : readMemberIds(value), tally);
    return row;
  }
  if (attr === 'displayname' && !path.path.sub) {
    if (op === 'remove') throw new ScimError(400, 'A group needs a displayName.', 'mutability');
    return rename(c, row, readGroupName(value), tally);
  }
  if (attr === 'externalid' && !path.path.sub) return setExternalId(c, row, op === 'remove' ? null : readExternalId(value));
  if (attr === 'id' || attr === 'meta' || attr === 'schemas') throw new ScimError(400, `"${attr}" cannot be changed.`, 'mutability');
  throw new ScimError(400, `A Group has no attribute "${attr}" that can be changed.`, 'invalidPath');
}

/** PATCH /Groups/:id, operation by operation, in order. */
export async function patchScimGroup(c: ScimContext, row: GroupRow, operations: PatchOperation[]): Promise<GroupRow> {
  const tally: Tally = { added: 0, removed: 0 };
  let current = row;
  for (const { op, path, value } of operations) {
    if (path) {
      current = await applyGroupOperation(c, current, op, path, value, tally);
      continue;
    }
    if (op === 'remove') throw new ScimError(400, 'A "remove" operation needs a "path".', 'noTarget');
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw invalidValue(`An "${op}" operation without a "path" needs an object as its "value".`);
    for (const [key, v] of Object.entries(value)) {
      const lower = key.toLowerCase();
      // Okta repeats the group's own id in a replace without a path: not a change.
      if ((lower === 'id' && v === current.id) || lower === 'schemas' || lower === 'meta') continue;
      current = await applyGroupOperation(c, current, op, key, v, tally);
    }
  }
  auditGroup(c, 'group.update', current, tally);
  return current;
}

export async function deleteScimGroup(c: ScimContext, row: GroupRow): Promise<void> {
  const db = dbOf(app(c));
  const tally: Tally = { added: 0, removed: 0 };
  await removeMembers(c, row.name, null, tally);
  await db.delete(groups).where(eq(groups.id, row.id));
  auditGroup(c, 'group.delete', row, tally);
}

// Browser sessions at the identity provider. The cookie holds a random id; KV holds the session
// under its SHA-256 (so a KV dump cannot be replayed as cookies) and D1 indexes which sessions a
// user has, so all of them can be ended. A new id is issued at every sign-in.
import { and, asc, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { database, type Database } from '../db/client';
import { slices } from '../db/limits';
import { sessionApps, userSessions, users } from '../db/schema';
import type { Bindings } from '../env';
import type { AppContext } from '../http/context';
import { randomToken, sha256Hex } from '../lib/encoding';
import { nowSeconds } from '../lib/time';
import { profileClaims, type ProfileClaims, type User } from '../users/user';
import { clearCookie, readCookie, SESSION_COOKIE, writeCookie } from '../http/cookies';
import { kvKeys, kvTtl } from './kv';

/**
 * The most sessions one user keeps; signing in again ends the oldest. It bounds the work of
 * ending them all (each is a KV delete, and a Worker invocation may make 1000 KV operations).
 */
export const MAX_SESSIONS_PER_USER = 50;

/** Sessions are ended in slices of this many (each slice's index deletes stay under D1's parameter limit). */
const SESSIONS_PER_SLICE = 80;
/** A Worker invocation may make 1000 KV operations: ending a user's sessions stops well before that. */
const MAX_SESSIONS_ENDED = SESSIONS_PER_SLICE * 10;

export interface SessionRecord {
  userId: string;
  /** When the user last proved who they are (the token's `auth_time`). */
  authTime: number;
  /** How: "pwd" for a password; "fed" (or the upstream's own amr) for an identity source. */
  amr: string[];
  /**
   * The user has a second factor enrolled (an authenticator app or a passkey), kept current in every
   * live session when one is added or removed: apps with an optional policy then ask for it
   * (src/mfa/assurance.ts) without a D1 query. Absent in sessions from before it was kept: read as true.
   */
  hasFactor?: boolean;
  /** An admin requires a second factor of this user (users.mfa_required), kept current like hasFactor. */
  mfaRequired?: boolean;
  /** The identity source's slug when the user signed in through one (tokens name it in `idp`). */
  source?: string;
  expiresAt: number;
  profile: ProfileClaims;
  roles: string[];
  /**
   * Client IDs this session has received a token for (absent in sessions from before it was kept).
   * It spares repeat visits a D1 query: only an app's first sign-in writes (src/logout/backchannel.ts).
   */
  apps?: string[];
}

export interface Session extends SessionRecord {
  idHash: string;
}

type SessionStores = Pick<Bindings, 'KV' | 'DB'>;

/** The hash that names the request's session in KV and D1, if it carries a plausible cookie. */
async function cookieHash(c: AppContext): Promise<string | null> {
  const id = readCookie(c, SESSION_COOKIE);
  return id && id.length <= 100 ? sha256Hex(id) : null;
}

/** The live session named by the request's cookie: one KV read, no D1 query. */
export async function readSession(c: AppContext): Promise<Session | null> {
  const idHash = await cookieHash(c);
  if (!idHash) return null;
  const record = await c.env.KV.get<SessionRecord>(kvKeys.session(idHash), 'json');
  if (!record || record.expiresAt <= nowSeconds()) return null;
  return { ...record, idHash };
}

/** What a new session is bound to: the user's state when the sign-in was checked. */
export interface SessionCredential {
  /** The password hash that matched (for a password sign-in): a new password refuses the session. */
  passwordHash?: string;
  /** The user's `session_version` when the sign-in was checked: ending all their sessions bumps it. */
  sessionVersion: number;
}

/**
 * The statement that indexes a new session in D1, only if its user still exists, is not disabled,
 * and has neither had all sessions ended nor (for a password sign-in) a new password since the
 * sign-in was checked: one statement, so it cannot interleave with an admin's change. It returns
 * the session's row if it was indexed.
 */
function indexStatement(
  db: Database,
  entry: { idHash: string; userId: string; createdAt: number; expiresAt: number },
  credential?: SessionCredential,
) {
  const unchanged = credential
    ? and(eq(users.sessionVersion, credential.sessionVersion), credential.passwordHash === undefined ? undefined : eq(users.passwordHash, credential.passwordHash))
    : undefined;
  // Columns in the table's order: id_hash, user_id, created_at, expires_at.
  return db
    .insert(userSessions)
    .select(sql`select ${entry.idHash}, ${users.id}, ${entry.createdAt}, ${entry.expiresAt} from ${users} where ${and(eq(users.id, entry.userId), eq(users.disabled, false), unchanged)}`)
    .returning({ idHash: userSessions.idHash });
}

/** Indexes a new session (see indexStatement). Returns whether the session was indexed. */
export async function indexSession(
  stores: Pick<Bindings, 'DB'>,
  entry: { idHash: string; userId: string; createdAt: number; expiresAt: number },
  credential?: SessionCredential,
): Promise<boolean> {
  const db = database(stores.DB);
  return (await indexStatement(db, entry, credential)).length > 0;
}

/** A session this store ended as a side effect: whose it was and the apps it had signed in to (to be told). */
export interface EndedSession {
  userId: string;
  clientIds: string[];
}

/**
 * Starts a session (`session`), or gives null if the user was disabled, deleted, given a new password or
 * signed out everywhere while signing in. Why that race cannot leave a session behind: the KV
 * entry is written first, then indexed by indexStatement() only if the user is unchanged. Ending a
 * user's sessions (endUserSessions, which every disable, password change and delete runs) first
 * bumps the user's session version (and a disable or password change has already updated the
 * row), and only then reads the index. If our index row came first, that read finds it and deletes
 * the KV entry we wrote; if the bump came first, the index statement refuses, and we delete our
 * own KV entry. D1 orders the two statements.
 *
 * The index, the user's expired rows, the apps kept from a replaced session and the count that
 * bounds the user's sessions go in one batch: one D1 round trip. `settle`: the sign-in's own
 * statements that belong in it (its throttle reservations given back), run first.
 *
 * `ended` reports another user's session this browser had, which the new one replaced: this store
 * tells no app; the caller does (src/logout/backchannel.ts, startSessionAndNotifyApps).
 */
export async function openSession(
  c: AppContext,
  fields: Omit<SessionRecord, 'expiresAt' | 'authTime'>,
  ttlSeconds: number,
  credential?: SessionCredential,
  settle: readonly BatchItem<'sqlite'>[] = [],
): Promise<{ session: Session | null; ended: EndedSession | null }> {
  const previous = await cookieHash(c);
  const db = database(c.env.DB);
  // The browser's previous session ends. Signed in again as the same user (prompt=login, max_age),
  // the new session keeps the apps it signed in to, so that signing out still tells them; a
  // different user's apps are told now (back-channel logout).
  const replaced = previous ? await endReplacedSession(c.env, previous) : null;
  const keptApps = replaced?.userId === fields.userId ? replaced.clientIds : [];
  const ended = replaced && replaced.userId !== fields.userId ? replaced : null;
  const id = randomToken(32);
  const idHash = await sha256Hex(id);
  const now = nowSeconds();
  const record: SessionRecord = { ...fields, authTime: now, expiresAt: now + ttlSeconds, ...(keptApps.length ? { apps: keptApps } : {}) };
  await c.env.KV.put(kvKeys.session(idHash), JSON.stringify(record), { expirationTtl: kvTtl(ttlSeconds) });
  const results = await db.batch([
    ...settle,
    indexStatement(db, { idHash, userId: record.userId, createdAt: now, expiresAt: record.expiresAt }, credential),
    db.delete(userSessions).where(and(eq(userSessions.userId, record.userId), lte(userSessions.expiresAt, now))),
    // Only for an indexed session: the rows follow the index row's foreign key.
    ...(keptApps.length
      ? [db.insert(sessionApps).select(sql`select ${userSessions.idHash}, json_each.value, ${now} from ${userSessions}, json_each(${JSON.stringify(keptApps)}) where ${userSessions.idHash} = ${idHash}`)]
      : []),
    db.select({ n: sql<number>`count(*)` }).from(userSessions).where(eq(userSessions.userId, record.userId)),
  ] as unknown as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
  const indexed = results[settle.length] as { idHash: string }[];
  const [count] = results[results.length - 1] as { n: number }[];
  if (indexed.length === 0) {
    await c.env.KV.delete(kvKeys.session(idHash));
    return { session: null, ended };
  }
  if (count && count.n > MAX_SESSIONS_PER_USER) await endOldestSessions(c.env, record.userId, count.n - MAX_SESSIONS_PER_USER);
  writeCookie(c, SESSION_COOKIE, id, ttlSeconds);
  return { session: { ...record, idHash }, ended };
}

/**
 * Ends the session a browser signs in over, in one round trip: whose it was and the apps it
 * signed in to (from the D1 index, null if it is not there), read as its index row goes; then
 * its KV entry.
 */
async function endReplacedSession(stores: SessionStores, idHash: string): Promise<{ userId: string; clientIds: string[] } | null> {
  const db = database(stores.DB);
  const [rows] = await db.batch([
    db
      .select({ userId: userSessions.userId, clientId: sessionApps.clientId })
      .from(userSessions)
      .leftJoin(sessionApps, eq(sessionApps.idHash, userSessions.idHash))
      .where(eq(userSessions.idHash, idHash)),
    db.delete(userSessions).where(eq(userSessions.idHash, idHash)),
  ]);
  await stores.KV.delete(kvKeys.session(idHash));
  if (rows.length === 0) return null;
  return { userId: rows[0]!.userId, clientIds: rows.flatMap((r) => (r.clientId ? [r.clientId] : [])) };
}

async function endOldestSessions(stores: SessionStores, userId: string, count: number): Promise<void> {
  const oldest = await database(stores.DB)
    .select({ idHash: userSessions.idHash })
    .from(userSessions)
    .where(eq(userSessions.userId, userId))
    .orderBy(asc(userSessions.createdAt))
    .limit(count);
  await endSessions(stores, oldest.map((s) => s.idHash));
}

export async function endSession(c: AppContext): Promise<void> {
  const idHash = await cookieHash(c);
  if (idHash) await endSessions(c.env, [idHash]);
  clearCookie(c, SESSION_COOKIE);
}

/** Ends sessions by hash: the KV entries (what SSO reads) and their D1 index rows. */
async function endSessions(stores: SessionStores, idHashes: string[]): Promise<void> {
  if (idHashes.length === 0) return;
  // The index first: a concurrent addSessionApp that rewrites the KV record either sees the row
  // gone (and deletes its write) or is overwritten by the KV deletes below.
  const db = database(stores.DB);
  for (const slice of slices(idHashes)) await db.delete(userSessions).where(inArray(userSessions.idHash, slice));
  await Promise.all(idHashes.map((idHash) => stores.KV.delete(kvKeys.session(idHash))));
}

/** One slice of the user's live sessions: at most SESSIONS_PER_SLICE, so a slice's deletes stay under D1's parameter limit. */
async function liveSessionHashes(stores: SessionStores, userId: string, limit = SESSIONS_PER_SLICE): Promise<string[]> {
  const rows = await database(stores.DB)
    .select({ idHash: userSessions.idHash })
    .from(userSessions)
    .where(and(eq(userSessions.userId, userId), gt(userSessions.expiresAt, nowSeconds())))
    .orderBy(asc(userSessions.createdAt))
    .limit(limit);
  return rows.map((r) => r.idHash);
}

/**
 * Signs a user out everywhere: after a password change, when disabled or deleted, or on request.
 * The user's session version is bumped first (see startSession). Then, slice by slice, each
 * slice's index rows are deleted and then exactly their KV entries (index first: see endSessions). Returns how many sessions were live. (KV is eventually
 * consistent: other locations may still honour an ended session for up to about 60 s.)
 */
export async function endUserSessions(stores: SessionStores, userId: string): Promise<number> {
  // First, so a sign-in checked before now cannot index its session after the index is read.
  await database(stores.DB)
    .update(users)
    .set({ sessionVersion: sql`${users.sessionVersion} + 1` })
    .where(eq(users.id, userId));
  let ended = 0;
  while (ended < MAX_SESSIONS_ENDED) {
    const live = await liveSessionHashes(stores, userId);
    if (live.length === 0) break;
    await endSessions(stores, live);
    ended += live.length;
  }
  // Expired rows too: their KV entries have expired already, only the index remains.
  await database(stores.DB)
    .delete(userSessions)
    .where(and(eq(userSessions.userId, userId), lte(userSessions.expiresAt, nowSeconds())));
  return ended;
}

/** Deletes index rows of sessions that have expired (their KV entries expired with them), for the Cron Trigger. */
export async function pruneExpiredSessionIndex(stores: Pick<Bindings, 'DB'>, now = nowSeconds()): Promise<number> {
  const result = await database(stores.DB).delete(userSessions).where(lte(userSessions.expiresAt, now));
  return result.meta.changes;
}

/** Rewrites the profile snapshot in each of the user's sessions, so new tokens carry the change. */
export async function refreshUserSessions(stores: SessionStores, userId: string, profile: ProfileClaims, roles: string[], extra: UserSessionFacts = {}): Promise<void> {
  await patchUserSessions(stores, userId, { profile, roles, ...extra });
}

/** What the user's live sessions record about the user, besides what they proved. */
export type UserSessionFacts = Partial<Pick<SessionRecord, 'hasFactor' | 'mfaRequired'>>;

/**
 * Rewrites fields in each of the user's live sessions (KV), so the hot path sees the change
 * (groups, a factor added or removed, an admin's requirement) without a D1 query.
 */
export async function patchUserSessions(stores: SessionStores, userId: string, patch: Partial<Pick<SessionRecord, 'profile' | 'roles'>> & UserSessionFacts): Promise<void> {
  const now = nowSeconds();
  await Promise.all(
    (await liveSessionHashes(stores, userId, MAX_SESSIONS_PER_USER * 2)).map(async (idHash) => {
      const record = await stores.KV.get<SessionRecord>(kvKeys.session(idHash), 'json');
      if (!record || record.expiresAt <= now) return;
      await stores.KV.put(kvKeys.session(idHash), JSON.stringify({ ...record, ...patch }), {
        expirationTtl: kvTtl(record.expiresAt - now),
      });
    }),
  );
}

/**
 * Records that the session has received a token for an app: a `session_apps` row in D1 (what
 * back-channel logout reads) and the app in the session's KV record (so a repeat visit knows
 * without a query). Read-modify-write of the record: a concurrent first visit to another app may
 * drop one name from the list, which only costs that app one more (idempotent) insert.
 *
 * A sign-out racing this must not be undone by the rewrite: the record is written first, then
 * the row is inserted through `user_sessions`; if the session's index row is gone by then, the
 * session has ended and the write is taken back (endSessions deletes the index before KV).
 */
export async function addSessionApp(stores: SessionStores, session: Session, clientId: string): Promise<void> {
  const { idHash, ...record } = session;
  const now = nowSeconds();
  if (record.expiresAt <= now) return;
  const apps = [...(record.apps ?? []), clientId];
  await stores.KV.put(kvKeys.session(idHash), JSON.stringify({ ...record, apps }), { expirationTtl: kvTtl(record.expiresAt - now) });
  session.apps = apps;
  const db = database(stores.DB);
  const inserted = await db.run(sql`INSERT INTO ${sessionApps} (id_hash, client_id, signed_in_at)
    SELECT id_hash, ${clientId}, ${now} FROM ${userSessions} WHERE id_hash = ${idHash}
    ON CONFLICT DO NOTHING`);
  if (inserted.meta.changes > 0) return;
  const [live] = await db.select({ idHash: userSessions.idHash }).from(userSessions).where(eq(userSessions.idHash, idHash)).limit(1);
  if (!live) await stores.KV.delete(kvKeys.session(idHash));
}

/** Whether an admin's change to a user ends all of that user's sessions. */
export function changeEndsSessions(user: Pick<User, 'disabled'>, change: { passwordChanged: boolean }): boolean {
  return change.passwordChanged || user.disabled;
}

/** After an admin changes a user: a new password or a disabled account ends every session; other changes reach live sessions. */
export async function syncUserSessions(stores: SessionStores, user: User, change: { passwordChanged: boolean }): Promise<void> {
  if (changeEndsSessions(user, change)) await endUserSessions(stores, user.id);
  else await refreshUserSessions(stores, user.id, profileClaims(user), user.roles, { mfaRequired: user.mfaRequired });
}

/** The user's live sessions, newest first, for the Account page (the hash names each, never the cookie value). */
export async function listUserSessions(stores: Pick<Bindings, 'DB'>, userId: string): Promise<{ idHash: string; createdAt: number; expiresAt: number }[]> {
  return database(stores.DB)
    .select({ idHash: userSessions.idHash, createdAt: userSessions.createdAt, expiresAt: userSessions.expiresAt })
    .from(userSessions)
    .where(and(eq(userSessions.userId, userId), gt(userSessions.expiresAt, nowSeconds())))
    .orderBy(sql`${userSessions.createdAt} desc`)
    .limit(MAX_SESSIONS_PER_USER);
}

/** Ends one of the user's own sessions; false if it is not theirs (or already ended). */
export async function endUserSession(stores: SessionStores, userId: string, idHash: string): Promise<boolean> {
  const [row] = await database(stores.DB)
    .select({ idHash: userSessions.idHash })
    .from(userSessions)
    .where(and(eq(userSessions.idHash, idHash), eq(userSessions.userId, userId)))
    .limit(1);
  if (!row) return false;
  await endSessions(stores, [row.idHash]);
  return true;
}

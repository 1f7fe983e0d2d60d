// What the console shows about a user's use of sign-in: when they last signed in and which
// sessions are live. Read-only queries on the user_sessions index and the audit trail, plus
// ending one session (its KV entry, then its index row).
import { and, desc, eq, gt, inArray, max, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { slices } from '../db/limits';
import { auditEvents, userSessions } from '../db/schema';
import type { Bindings } from '../env';
import { nowSeconds } from '../lib/time';
import { kvKeys } from '../sessions/kv';

export interface UserActivity {
  /** Unix seconds of the latest sign-in, or null if none is known. */
  lastSignIn: number | null;
  activeSessions: number;
}

export interface LiveSession {
  /** The session's hash: its KV key, never the cookie value. */
  idHash: string;
  createdAt: number;
  expiresAt: number;
}

/**
 * Last sign-in and live session count for each user. The session index loses a row at sign-out,
 * so the last sign-in is the later of the newest session and the newest login.success event.
 */
export async function userActivity(db: Database, userIds: string[]): Promise<Map<string, UserActivity>> {
  const now = nowSeconds();
  const activity = new Map<string, UserActivity>(userIds.map((id) => [id, { lastSignIn: null, activeSessions: 0 }]));
  for (const ids of slices(userIds, 1, 12)) {
    const [sessions, logins] = await Promise.all([
      db
        .select({ userId: userSessions.userId, live: sql<number>`sum(case when ${userSessions.expiresAt} > ${now} then 1 else 0 end)`, newest: max(userSessions.createdAt) })
        .from(userSessions)
        .where(inArray(userSessions.userId, ids))
        .groupBy(userSessions.userId),
      db
        .select({ userId: auditEvents.actor, newest: max(auditEvents.at) })
        .from(auditEvents)
        .where(and(eq(auditEvents.type, 'login.success'), inArray(auditEvents.actor, ids)))
        .groupBy(auditEvents.actor),
    ]);
    for (const row of sessions) {
      const entry = activity.get(row.userId)!;
      entry.activeSessions = Number(row.live ?? 0);
      entry.lastSignIn = Math.max(entry.lastSignIn ?? 0, row.newest ?? 0) || null;
    }
    for (const row of logins) {
      const entry = activity.get(row.userId);
      if (entry) entry.lastSignIn = Math.max(entry.lastSignIn ?? 0, row.newest ?? 0) || null;
    }
  }
  return activity;
}

/** The user's live sessions, newest first. */
export async function liveSessions(db: Database, userId: string): Promise<LiveSession[]> {
  return db
    .select({ idHash: userSessions.idHash, createdAt: userSessions.createdAt, expiresAt: userSessions.expiresAt })
    .from(userSessions)
    .where(and(eq(userSessions.userId, userId), gt(userSessions.expiresAt, nowSeconds())))
    .orderBy(desc(userSessions.createdAt))
    .limit(100);
}

/** Ends one of the user's sessions. False when the user has no such session. */
export async function endOneSession(stores: Pick<Bindings, 'KV'>, db: Database, userId: string, idHash: string): Promise<boolean> {
  const [row] = await db.select({ idHash: userSessions.idHash }).from(userSessions).where(and(eq(userSessions.idHash, idHash), eq(userSessions.userId, userId))).limit(1);
  if (!row) return false;
  // KV first: if the index row went first and the KV delete failed, a live session would be unlisted.
  await stores.KV.delete(kvKeys.session(idHash));
  await db.delete(userSessions).where(and(eq(userSessions.idHash, idHash), eq(userSessions.userId, userId)));
  return true;
}

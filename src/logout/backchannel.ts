// OIDC Back-Channel Logout 1.0 for every app, OIDC and JWT SSO alike: edge-sso remembers which
// apps each session signed in to, and when sessions end (sign-out, sign out everywhere, a
// disabled or deleted user, a new password) it POSTs a signed logout token to each of those apps
// that registered a `backchannel_logout_uri`, after the response (waitUntil), with bounded retries.
//
// Remembering costs nothing on a repeat visit: the session's KV record (already read) lists the
// apps; only an app's first token in a session writes, once to KV (the list) and once to D1
// (`session_apps`, exact): see addSessionApp in src/sessions/sessions.ts.
import { eq, inArray } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Database } from '../db/client';
import { sessionApps, userSessions } from '../db/schema';
import { dbOf, type AppContext } from '../http/context';
import {
  addSessionApp,
  changeEndsSessions,
  endSession,
  endUserSessions,
  openSession,
  refreshUserSessions,
  type Session,
  type SessionCredential,
  type SessionRecord,
} from '../sessions/sessions';
import { profileClaims, type User } from '../users/user';
import { notifyAppsOfLogout } from './backchannel-notify';

export { notifyAppsOfLogout };

/**
 * Records that `session` has received a token for `clientId` (call it wherever a token or code is
 * issued: the SSO URL, the OIDC authorization endpoint). No I/O when the session already knows it.
 */
export async function rememberAppSignIn(c: AppContext, session: Session, clientId: string): Promise<void> {
  if (session.apps?.includes(clientId)) return;
  await addSessionApp(c.env, session, clientId);
}

/** The apps these sessions signed in to. */
export async function appsOfSessions(db: Database, idHashes: string[]): Promise<string[]> {
  if (idHashes.length === 0) return [];
  const rows = await db.selectDistinct({ clientId: sessionApps.clientId }).from(sessionApps).where(inArray(sessionApps.idHash, idHashes));
  return rows.map((r) => r.clientId);
}

/** The apps any of the user's sessions signed in to. */
export async function appsOfUser(db: Database, userId: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ clientId: sessionApps.clientId })
    .from(sessionApps)
    .innerJoin(userSessions, eq(userSessions.idHash, sessionApps.idHash))
    .where(eq(userSessions.userId, userId));
  return rows.map((r) => r.clientId);
}

/** Ends the request's session (a sign-out) and tells the apps it signed in to. */
export async function endSessionAndNotifyApps(c: AppContext, session: Session | null): Promise<void> {
  const clientIds = session ? await appsOfSessions(dbOf(c), [session.idHash]) : [];
  await endSession(c);
  if (session) notifyAppsOfLogout(c, session.userId, clientIds);
}

/** Signs a user out everywhere and tells every app their sessions signed in to. Returns how many sessions were live. */
export async function endUserSessionsAndNotifyApps(c: AppContext, userId: string): Promise<number> {
  const clientIds = await appsOfUser(dbOf(c), userId);
  const ended = await endUserSessions(c.env, userId);
  notifyAppsOfLogout(c, userId, clientIds);
  return ended;
}

/** After an admin changes a user: a new password or disabling signs them out everywhere (apps told); other changes reach live sessions. */
export async function syncUserSessionsAndNotifyApps(c: AppContext, user: User, change: { passwordChanged: boolean }): Promise<void> {
  if (changeEndsSessions(user, change)) await endUserSessionsAndNotifyApps(c, user.id);
  else await refreshUserSessions(c.env, user.id, profileClaims(user), user.roles, { mfaRequired: user.mfaRequired });
}

/**
 * Starts a session (null if the user changed meanwhile: see openSession). When it replaces another
 * user's session in this browser, the apps that one signed in to are told it ended.
 */
export async function startSessionAndNotifyApps(
  c: AppContext,
  fields: Omit<SessionRecord, 'expiresAt' | 'authTime'>,
  ttlSeconds: number,
  credential?: SessionCredential,
  settle?: readonly BatchItem<'sqlite'>[],
): Promise<Session | null> {
  const { session, ended } = await openSession(c, fields, ttlSeconds, credential, settle);
  if (ended) notifyAppsOfLogout(c, ended.userId, ended.clientIds);
  return session;
}

// OIDC Back-Channel Logout 1.0 for every app, OIDC and JWT SSO alike: edge-sso remembers which
// apps each session signed in to, and when sessions end (sign-out, sign out everywhere, a
// disabled or deleted user, a new password) it POSTs a signed logout token to each of those apps
// that registered a `backchannel_logout_uri`, after the response (waitUntil), with bounded retries.
//
// Remembering costs nothing on a repeat visit: the session's KV record (already read) lists the
// apps; only an app's first token in a session writes, once to KV (the list) and once to D1
// (`session_apps`, exact): see addSessionApp in src/sessions/sessions.ts.
import { eq, inArray } from 'drizzle-orm';
import { loadServedApp } from '../apps/served';
import { audit } from '../audit/audit';
import type { Database } from '../db/client';
import { sessionApps, userSessions } from '../db/schema';
import { dbOf, issuerOf, type AppContext } from '../http/context';
import { nowSeconds } from '../lib/time';
import { addSessionApp, changeEndsSessions, endSession, endUserSessions, refreshUserSessions, type Session } from '../sessions/sessions';
import { profileClaims, type User } from '../users/user';
import { deliverWithRetry, DELIVERY_POLICY, logoutTokenClaims, mintLogoutToken, postLogoutToken, type AttemptResult } from './backchannel-token';

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
  else await refreshUserSessions(c.env, user.id, profileClaims(user), user.roles);
}

/** Schedules a logout token to each app with a back-channel logout URI, after the response. */
export function notifyAppsOfLogout(c: AppContext, userId: string, clientIds: string[]): void {
  if (clientIds.length === 0) return;
  const issuer = issuerOf(c);
  c.executionCtx.waitUntil(Promise.all(clientIds.map((clientId) => notifyApp(c, issuer, userId, clientId))));
}

async function notifyApp(c: AppContext, issuer: string, userId: string, clientId: string): Promise<void> {
  let uri: string | null = null;
  try {
    const app = await loadServedApp(c.env, clientId);
    uri = app?.backchannelLogoutUri ?? null;
    if (!app || !uri) return;
    const claims = logoutTokenClaims({ issuer, clientId, userId, now: nowSeconds(), jti: crypto.randomUUID() });
    const token = await mintLogoutToken(c.env, claims, app.signingAlg);
    const target = uri;
    const outcome = await deliverWithRetry(() => postLogoutToken(target, token, DELIVERY_POLICY.timeoutMs));
    audit(c, {
      type: outcome.delivered ? 'logout.backchannel' : 'logout.backchannel.failure',
      actor: 'system',
      target: userId,
      detail: { client_id: clientId, uri, attempts: outcome.attempts, ...describe(outcome.last) },
    });
  } catch (error) {
    console.error('back-channel logout failed', clientId, error);
    audit(c, {
      type: 'logout.backchannel.failure',
      actor: 'system',
      target: userId,
      detail: { client_id: clientId, uri, attempts: 0, error: error instanceof Error ? error.message : String(error) },
    });
  }
}

function describe(result: AttemptResult): { status: number } | { error: string } {
  return 'status' in result ? { status: result.status } : { error: result.error };
}

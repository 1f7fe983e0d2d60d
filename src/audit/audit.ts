// The audit trail: every admin change and every sign-in, success or failure.
import { and, desc, eq, inArray, or, sql } from 'drizzle-orm';
import { database, type Database } from '../db/client';
import { auditEvents, users } from '../db/schema';
import { clientIp, type AppContext } from '../http/context';
import { nowSeconds } from '../lib/time';
import { normaliseEmail } from '../users/input';

export type AuditType =
  | 'login.success'
  | 'login.failure'
  | 'login.locked'
  | 'login.lockout'
  | 'lockout.unlock'
  | 'logout'
  | 'logout.backchannel'
  | 'logout.backchannel.failure'
  | 'key.rotate'
  | 'branding.update'
  | 'app.create'
  | 'app.update'
  | 'app.delete'
  | 'app.secret.rotate'
  | 'app.secret.reveal'
  | 'app.test'
  | 'user.create'
  | 'user.update'
  | 'user.delete'
  | 'user.sessions.revoke'
  | 'user.import'
  | 'oidc.code'
  | 'oidc.reuse';

export const AUDIT_TYPES: readonly AuditType[] = [
  'login.success', 'login.failure', 'login.locked', 'login.lockout', 'lockout.unlock', 'logout', 'logout.backchannel', 'logout.backchannel.failure',
  'app.create', 'app.update', 'app.delete', 'app.secret.rotate', 'app.secret.reveal', 'app.test',
  'user.create', 'user.update', 'user.delete', 'user.sessions.revoke', 'user.import',
  'key.rotate', 'branding.update', 'oidc.code', 'oidc.reuse',
];

export interface AuditEvent {
  type: AuditType;
  /** Who acted: a user id, "admin-api", or "anonymous". */
  actor: string;
  target?: string;
  detail?: Record<string, unknown>;
}

/** Writes the event after the response is sent; a failure to write is logged, never shown to the user. */
export function audit(c: AppContext, event: AuditEvent): void {
  const write = database(c.env.DB)
    .insert(auditEvents)
    .values({ at: nowSeconds(), clientIp: clientIp(c), target: '', detail: {}, ...event })
    .then(
      () => undefined,
      (error: unknown) => console.error('audit write failed', event.type, error),
    );
  c.executionCtx.waitUntil(write);
}

/**
 * The names a user has in events: their id (as actor or target) and their email (failed
 * sign-ins, imports). `user` is an email address or an id.
 */
export async function auditSubjectsFor(db: Database, user: string): Promise<string[]> {
  const text = user.trim();
  const email = normaliseEmail(text);
  const [match] = await db.select({ id: users.id, email: users.email }).from(users).where(or(eq(users.email, email), eq(users.id, text))).limit(1);
  return match ? [match.id, match.email] : [text, email];
}

export interface AuditQuery {
  type?: string;
  /** Matches the actor or the target: a user id or an email address. */
  subjects?: string[];
  limit: number;
  offset: number;
}

export async function listAuditEvents(db: Database, query: AuditQuery) {
  const filters = [
    query.type ? eq(auditEvents.type, query.type) : undefined,
    query.subjects?.length ? or(inArray(auditEvents.actor, query.subjects), inArray(auditEvents.target, query.subjects)) : undefined,
  ].filter((f) => f !== undefined);
  const where = filters.length ? and(...filters) : undefined;
  const [events, [count]] = await Promise.all([
    db.select().from(auditEvents).where(where).orderBy(desc(auditEvents.id)).limit(query.limit).offset(query.offset),
    db.select({ total: sql<number>`count(*)` }).from(auditEvents).where(where),
  ]);
  return { events, total: count?.total ?? 0 };
}

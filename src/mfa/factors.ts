// Which second factors a user has (for sign-in, the Account page, the console and the API), the
// admin's reset, and keeping live sessions and the user told when factors change.
import { eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';
import { mfaTotp, recoveryCodes, users, webauthnCredentials } from '../db/schema';
import { dbOf, type AppContext } from '../http/context';
import { patchUserSessions } from '../sessions/sessions';
import { toUser, type User } from '../users/user';
import { notifyFactorChange, type FactorChange } from './notify';

export interface Factors {
  totp: boolean;
  passkeys: number;
  recoveryCodes: number;
}

/** The user's factors as one query a caller may batch; `userId` may be a subquery (the user an email names). */
export function factorsQuery(db: Database, userId: string | SQL) {
  return db
    .select({
      totp: sql<number>`(select count(*) from ${mfaTotp} where ${mfaTotp.userId} = ${userId} and ${mfaTotp.confirmedAt} is not null)`,
      passkeys: sql<number>`(select count(*) from ${webauthnCredentials} where ${webauthnCredentials.userId} = ${userId})`,
      recoveryCodes: sql<number>`(select count(*) from ${recoveryCodes} where ${recoveryCodes.userId} = ${userId} and ${recoveryCodes.usedAt} is null)`,
    })
    .from(sql`(select 1)`);
}

/** What factorsQuery read. */
export function factorsOf(rows: { totp: number; passkeys: number; recoveryCodes: number }[]): Factors {
  const [row] = rows;
  return { totp: (row?.totp ?? 0) > 0, passkeys: row?.passkeys ?? 0, recoveryCodes: row?.recoveryCodes ?? 0 };
}

export async function userFactors(db: Database, userId: string): Promise<Factors> {
  return factorsOf(await factorsQuery(db, userId));
}

/** A factor that proves possession on its own: recovery codes only back one up. */
export const hasSecondFactor = (f: Factors) => f.totp || f.passkeys > 0;

/** SQL: whether the `users` row has a second factor (hasSecondFactor), for folding into a read of the user. */
/** Whether the user (the row in scope) has a second factor, as a column expression. */
export const hasFactorSql = sql<number>`(exists (select 1 from ${mfaTotp} where ${mfaTotp.userId} = ${users.id} and ${mfaTotp.confirmedAt} is not null)
  or exists (select 1 from ${webauthnCredentials} where ${webauthnCredentials.userId} = ${users.id}))`;

/** The user and whether they have a second factor, in one query (sign-in and token paths read the user anyway). */
export async function userWithFactor(db: Database, userId: string): Promise<{ user: User; hasFactor: boolean } | null> {
  return userWithFactorOf(await userWithFactorQuery(db, userId));
}

/** userWithFactor() as a query a caller may batch with others; userWithFactorOf() reads its rows. */
export const userWithFactorQuery = (db: Database, userId: string) =>
  db.select({ user: users, hasFactor: hasFactorSql }).from(users).where(eq(users.id, userId)).limit(1);

export function userWithFactorOf(rows: { user: typeof users.$inferSelect; hasFactor: unknown }[]): { user: User; hasFactor: boolean } | null {
  const [row] = rows;
  return row ? { user: toUser(row.user), hasFactor: Boolean(row.hasFactor) } : null;
}

/** What a new session records about the user's assurance (src/sessions/sessions.ts). */
export const sessionFacts = (user: Pick<User, 'mfaRequired'>, hasFactor: boolean) => ({ hasFactor, ...(user.mfaRequired ? { mfaRequired: true } : {}) });

export function factorsToJson(f: Factors) {
  return { totp: f.totp, passkeys: f.passkeys, recovery_codes_left: f.recoveryCodes };
}

/** Removes every factor (an admin's reset, for a lost phone): the user enrols again at next sign-in if required. */
export async function resetFactors(db: Database, userId: string): Promise<void> {
  await db.batch([
    db.delete(mfaTotp).where(eq(mfaTotp.userId, userId)),
    db.delete(webauthnCredentials).where(eq(webauthnCredentials.userId, userId)),
    db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)),
  ]);
}

/**
 * After a factor was added or removed: every live session learns whether the user still has one
 * (so apps under an optional policy ask for it, or stop asking), and the user is emailed, so a
 * factor planted or removed by someone else does not go unnoticed.
 */
export async function factorsChanged(c: AppContext, userId: string, change: FactorChange): Promise<void> {
  const current = await userWithFactor(dbOf(c), userId);
  if (!current) return;
  await patchUserSessions(c.env, userId, { hasFactor: current.hasFactor });
  await notifyFactorChange(c, current.user.email, change);
}

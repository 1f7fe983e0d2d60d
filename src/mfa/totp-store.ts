// A user's TOTP authenticator in D1: enrolment (an unconfirmed secret until a first code is
// typed), and checking a code, where the accepted time step is recorded atomically so each code
// works once, even for two requests racing with the same code.
import { and, eq, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { mfaTotp } from '../db/schema';
import { open, seal } from '../lib/secret-box';
import { nowSeconds } from '../lib/time';
import { base32Decode, base32Encode, matchingStep, newTotpSecret } from './totp';

const purpose = (userId: string) => `totp:${userId}`;

export interface TotpStatus {
  confirmed: boolean;
  createdAt: number;
}

export async function totpStatus(db: Database, userId: string): Promise<TotpStatus | null> {
  const [row] = await db.select({ confirmedAt: mfaTotp.confirmedAt, createdAt: mfaTotp.createdAt }).from(mfaTotp).where(eq(mfaTotp.userId, userId)).limit(1);
  return row ? { confirmed: row.confirmedAt !== null, createdAt: row.createdAt } : null;
}

/**
 * The secret being enrolled (base32), creating one if there is none yet; null if the user already
 * has a confirmed authenticator (it must be removed first). Reloading the page shows the same
 * secret, so a scan already made stays valid.
 */
export async function pendingTotpSecret(db: Database, key: string, userId: string): Promise<string | null> {
  const [row] = await db.select().from(mfaTotp).where(eq(mfaTotp.userId, userId)).limit(1);
  if (row?.confirmedAt) return null;
  if (row) return open(key, row.secretEncrypted, purpose(userId));
  const secret = base32Encode(newTotpSecret());
  const inserted = await db
    .insert(mfaTotp)
    .values({ userId, secretEncrypted: await seal(key, secret, purpose(userId)), createdAt: nowSeconds() })
    .onConflictDoNothing()
    .returning({ userId: mfaTotp.userId });
  // Lost a race with another tab: show the secret that tab stored.
  return inserted.length ? secret : pendingTotpSecret(db, key, userId);
}

/** Confirms enrolment with a first code. True if the code was right and the authenticator is now active. */
export async function confirmTotp(db: Database, key: string, userId: string, code: string, now = nowSeconds()): Promise<boolean> {
  const [row] = await db.select().from(mfaTotp).where(and(eq(mfaTotp.userId, userId), isNull(mfaTotp.confirmedAt))).limit(1);
  if (!row) return false;
  const secret = base32Decode(await open(key, row.secretEncrypted, purpose(userId)))!;
  const step = await matchingStep(secret, code, now, row.lastStep);
  if (step === null) return false;
  const updated = await db
    .update(mfaTotp)
    .set({ confirmedAt: now, lastStep: step })
    .where(and(eq(mfaTotp.userId, userId), isNull(mfaTotp.confirmedAt), eq(mfaTotp.secretEncrypted, row.secretEncrypted)))
    .returning({ userId: mfaTotp.userId });
  return updated.length > 0;
}

/** The user's confirmed authenticator, as a query a caller may batch (see matchTotp). */
export function confirmedTotpQuery(db: Database, userId: string) {
  return db.select().from(mfaTotp).where(and(eq(mfaTotp.userId, userId), isNotNull(mfaTotp.confirmedAt))).limit(1);
}

/** The time step a code matches on the authenticator confirmedTotpQuery() read, or null. Consumes nothing. */
export async function matchTotp(key: string, row: typeof mfaTotp.$inferSelect | undefined, code: string, now = nowSeconds()): Promise<number | null> {
  if (!row) return null;
  const secret = base32Decode(await open(key, row.secretEncrypted, purpose(row.userId)))!;
  return matchingStep(secret, code, now, row.lastStep);
}

/**
 * Consumes a matched time step: one UPDATE that raises last_step only if it is still below the
 * step matched, so of two requests with the same code exactly one succeeds.
 */
export async function consumeTotpStep(db: Database, userId: string, step: number): Promise<boolean> {
  const consumed = await db
    .update(mfaTotp)
    .set({ lastStep: step })
    .where(and(eq(mfaTotp.userId, userId), isNotNull(mfaTotp.confirmedAt), lt(mfaTotp.lastStep, step)))
    .returning({ lastStep: mfaTotp.lastStep });
  return consumed.length > 0;
}

/** Checks a code against the user's confirmed authenticator and consumes its time step (see consumeTotpStep). */
export async function verifyTotp(db: Database, key: string, userId: string, code: string, now = nowSeconds()): Promise<boolean> {
  const [row] = await confirmedTotpQuery(db, userId);
  const step = await matchTotp(key, row, code, now);
  return step !== null && consumeTotpStep(db, userId, step);
}

export async function removeTotp(db: Database, userId: string): Promise<boolean> {
  const deleted = await db.delete(mfaTotp).where(eq(mfaTotp.userId, userId)).returning({ userId: mfaTotp.userId });
  return deleted.length > 0;
}

/** For tests and the console: how many users have a confirmed authenticator. */
export const confirmedTotpCount = (db: Database) => db.select({ n: sql<number>`count(*)` }).from(mfaTotp).where(isNotNull(mfaTotp.confirmedAt));

/** How long an enrolment may stay unconfirmed: a person scanning the code finishes within minutes. */
export const UNCONFIRMED_TOTP_SECONDS = 24 * 60 * 60;

/**
 * Deletes enrolments never confirmed within a day of starting (for the Cron Trigger). One DELETE
 * guarded by `confirmed_at IS NULL`, so a confirmation racing with it wins or loses as a whole;
 * a user starting again later simply gets a new secret. Returns how many went.
 */
export async function pruneUnconfirmedTotp(db: Database, now = nowSeconds()): Promise<number> {
  const result = await db.delete(mfaTotp).where(and(isNull(mfaTotp.confirmedAt), lt(mfaTotp.createdAt, now - UNCONFIRMED_TOTP_SECONDS)));
  return result.meta.changes;
}

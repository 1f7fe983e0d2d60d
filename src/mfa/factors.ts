// Which second factors a user has (for sign-in, the Account page, the console and the API), and
// the admin's reset.
import { eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';
import { mfaTotp, recoveryCodes, webauthnCredentials } from '../db/schema';

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

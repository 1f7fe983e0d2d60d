// Which second factors a user has (for sign-in, the Account page, the console and the API), and
// the admin's reset.
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { mfaTotp, recoveryCodes, webauthnCredentials } from '../db/schema';

export interface Factors {
  totp: boolean;
  passkeys: number;
  recoveryCodes: number;
}

export async function userFactors(db: Database, userId: string): Promise<Factors> {
  const [row] = await db
    .select({
      totp: sql<number>`(select count(*) from ${mfaTotp} where ${mfaTotp.userId} = ${userId} and ${mfaTotp.confirmedAt} is not null)`,
      passkeys: sql<number>`(select count(*) from ${webauthnCredentials} where ${webauthnCredentials.userId} = ${userId})`,
      recoveryCodes: sql<number>`(select count(*) from ${recoveryCodes} where ${recoveryCodes.userId} = ${userId} and ${recoveryCodes.usedAt} is null)`,
    })
    .from(sql`(select 1)`);
  return { totp: (row?.totp ?? 0) > 0, passkeys: row?.passkeys ?? 0, recoveryCodes: row?.recoveryCodes ?? 0 };
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

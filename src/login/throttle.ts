// Sign-in protection: attempts are counted per account email and per client address in D1
// (strongly consistent, unlike KV). Counting by email, whether or not an account has it, means a
// lockout looks the same for every address and reveals nothing.
//
// Each attempt is counted *before* the password is checked, in one atomic upsert that also sets
// the lock the count earns. Parallel attempts therefore each get their own count, and once one of
// them reaches the threshold the others find the lock already set. A successful sign-in takes its
// count back (and forgets the account's failures).
import { desc, eq, gt, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { loginThrottle } from '../db/schema';
import type { LockoutPolicy } from '../env';
import { nowSeconds } from '../lib/time';
import { normaliseEmail } from '../users/input';

export const throttleKeys = {
  // Normalised exactly as the user store normalises emails, so one account has one counter.
  email: (email: string) => `email:${normaliseEmail(email)}`,
  ip: (ip: string) => `ip:${ip}`,
};

/** Pure: the lock that `failures` failures earn (Keycloak's rule: one more increment per threshold). */
export function lockSeconds(failures: number, threshold: number, policy: LockoutPolicy): number {
  if (failures < threshold) return 0;
  return Math.min(policy.maxWaitSeconds, policy.waitIncrementSeconds * Math.floor(failures / threshold));
}

interface CountedKey {
  key: string;
  /** The lock this attempt's count set (0 if none): the attempt that reaches a threshold. */
  lockedUntil: number;
}

export type Attempt =
  | { allowed: true; counted: CountedKey[] }
  | { allowed: false; retryAfterSeconds: number };

/**
 * The upsert for one key, the SQL form of lockSeconds(): a locked key is left alone (no row comes
 * back), a key quiet for `resetSeconds` starts again at 1, and reaching the threshold sets the lock.
 */
function countStatement(db: Database, key: string, threshold: number, policy: LockoutPolicy, now: number) {
  const resetBefore = now - policy.resetSeconds;
  const next = sql`(case when ${loginThrottle.lastFailureAt} < ${resetBefore} then 1 else ${loginThrottle.failures} + 1 end)`;
  const lockFor = (count: ReturnType<typeof sql>) =>
    sql`(case when ${count} >= ${threshold} then ${now} + min(${policy.maxWaitSeconds}, ${policy.waitIncrementSeconds} * cast(${count} / ${threshold} as integer)) else 0 end)`;
  const firstLock = lockSeconds(1, threshold, policy);
  return db
    .insert(loginThrottle)
    .values({ key, failures: 1, firstFailureAt: now, lastFailureAt: now, lockedUntil: firstLock ? now + firstLock : 0 })
    .onConflictDoUpdate({
      target: loginThrottle.key,
      set: {
        failures: next,
        firstFailureAt: sql`case when ${loginThrottle.lastFailureAt} < ${resetBefore} then ${now} else ${loginThrottle.firstFailureAt} end`,
        lastFailureAt: now,
        lockedUntil: lockFor(next),
      },
      setWhere: sql`${loginThrottle.lockedUntil} <= ${now}`,
    })
    .returning({ key: loginThrottle.key, lockedUntil: loginThrottle.lockedUntil });
}

/** Counts a sign-in attempt for the email and the client address, or says how long they are locked. */
export async function countAttempt(db: Database, email: string, ip: string, policy: LockoutPolicy): Promise<Attempt> {
  const now = nowSeconds();
  const keys: [string, number][] = [[throttleKeys.email(email), policy.threshold]];
  if (ip) keys.push([throttleKeys.ip(ip), policy.ipThreshold]);
  const [first, ...others] = keys.map(([key, threshold]) => countStatement(db, key, threshold, policy, now));
  const counted = (await db.batch([first!, ...others])).flat();
  if (counted.length === keys.length) return { allowed: true, counted };
  // A key returned no row: it was locked. Read how long for.
  const locked = await db
    .select({ lockedUntil: loginThrottle.lockedUntil })
    .from(loginThrottle)
    .where(or(...keys.map(([key]) => eq(loginThrottle.key, key))));
  return { allowed: false, retryAfterSeconds: Math.max(1, ...locked.map((r) => r.lockedUntil - now)) };
}

/** After a successful sign-in: forget the account's failures and take this attempt back from the address. */
export async function recordSuccess(db: Database, email: string, attempt: Extract<Attempt, { allowed: true }>): Promise<void> {
  const forgetAccount = db.delete(loginThrottle).where(eq(loginThrottle.key, throttleKeys.email(email)));
  const ipKey = attempt.counted.find((k) => k.key.startsWith('ip:'));
  if (!ipKey) {
    await forgetAccount;
    return;
  }
  const takeBack = db
    .update(loginThrottle)
    // The lock this attempt set, if any, goes with it: it was a good sign-in.
    .set({ failures: sql`max(${loginThrottle.failures} - 1, 0)`, lockedUntil: ipKey.lockedUntil > 0 ? 0 : sql`${loginThrottle.lockedUntil}` })
    .where(eq(loginThrottle.key, ipKey.key));
  await db.batch([forgetAccount, takeBack]);
}

export interface Lockout {
  /** `email:<address>` or `ip:<address>`, as the console's Unlock sends it back. */
  key: string;
  kind: 'email' | 'ip';
  subject: string;
  failures: number;
  lastFailureAt: number;
  lockedUntil: number;
}

/** Accounts and client addresses locked now, newest first, for the console. */
export async function listLockouts(db: Database): Promise<Lockout[]> {
  const rows = await db
    .select()
    .from(loginThrottle)
    .where(gt(loginThrottle.lockedUntil, nowSeconds()))
    .orderBy(desc(loginThrottle.lastFailureAt))
    .limit(500);
  return rows.map((r) => {
    const [kind, ...rest] = r.key.split(':');
    return { key: r.key, kind: kind === 'ip' ? 'ip' : 'email', subject: rest.join(':'), failures: r.failures, lastFailureAt: r.lastFailureAt, lockedUntil: r.lockedUntil };
  });
}

/** Unlocks an account email or a client address: its failures are forgotten. Returns whether any were recorded. */
export async function unlock(db: Database, key: string): Promise<boolean> {
  if (!/^(email|ip):./.test(key)) return false;
  const deleted = await db.delete(loginThrottle).where(eq(loginThrottle.key, key)).returning({ key: loginThrottle.key });
  return deleted.length > 0;
}

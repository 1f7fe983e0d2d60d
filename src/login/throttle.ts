// Sign-in protection: failed sign-ins are counted per account email and per client address in
// D1 (strongly consistent, unlike KV). Counting by email, whether or not an account has it,
// means a lockout looks the same for every address and reveals nothing.
import { and, desc, eq, gt, inArray, like } from 'drizzle-orm';
import type { Database } from '../db/client';
import { loginThrottle } from '../db/schema';
import type { LockoutPolicy } from '../env';
import { nowSeconds } from '../lib/time';

export const throttleKeys = {
  email: (email: string) => `email:${email.trim().toLowerCase()}`,
  ip: (ip: string) => `ip:${ip}`,
};

type ThrottleRow = typeof loginThrottle.$inferSelect;

export interface ThrottleState {
  /** Seconds until sign-in may be tried again; 0 when it may be tried now. */
  retryAfterSeconds: number;
  rows: ThrottleRow[];
}

/** Pure: the lock that `failures` failures earn (Keycloak's rule: one more increment per threshold). */
export function lockSeconds(failures: number, threshold: number, policy: LockoutPolicy): number {
  if (failures < threshold) return 0;
  return Math.min(policy.maxWaitSeconds, policy.waitIncrementSeconds * Math.floor(failures / threshold));
}

function keysFor(email: string, ip: string): string[] {
  return ip ? [throttleKeys.email(email), throttleKeys.ip(ip)] : [throttleKeys.email(email)];
}

export async function throttleState(db: Database, email: string, ip: string): Promise<ThrottleState> {
  const rows = await db.select().from(loginThrottle).where(inArray(loginThrottle.key, keysFor(email, ip)));
  const now = nowSeconds();
  const retryAfterSeconds = Math.max(0, ...rows.map((r) => r.lockedUntil - now));
  return { retryAfterSeconds, rows };
}

/** Counts a failure; returns the keys that this failure locked. */
export async function recordFailure(db: Database, state: ThrottleState, email: string, ip: string, policy: LockoutPolicy): Promise<string[]> {
  const now = nowSeconds();
  const locked: string[] = [];
  const writes = keysFor(email, ip).map((key) => {
    const previous = state.rows.find((r) => r.key === key);
    const fresh = !previous || previous.lastFailureAt < now - policy.resetSeconds;
    const failures = fresh ? 1 : previous.failures + 1;
    const threshold = key.startsWith('ip:') ? policy.ipThreshold : policy.threshold;
    const wait = lockSeconds(failures, threshold, policy);
    if (wait > 0 && failures % threshold === 0) locked.push(key);
    const row: ThrottleRow = {
      key,
      failures,
      firstFailureAt: fresh ? now : previous.firstFailureAt,
      lastFailureAt: now,
      lockedUntil: wait > 0 ? now + wait : 0,
    };
    return db.insert(loginThrottle).values(row).onConflictDoUpdate({ target: loginThrottle.key, set: row });
  });
  await db.batch(writes as [(typeof writes)[number], ...typeof writes]);
  return locked;
}

/** A successful sign-in forgets the account's failures (not the address's). */
export async function clearAccountFailures(db: Database, email: string): Promise<void> {
  await db.delete(loginThrottle).where(eq(loginThrottle.key, throttleKeys.email(email)));
}

export interface Lockout {
  email: string;
  failures: number;
  lastFailureAt: number;
  lockedUntil: number;
}

/** Accounts locked now, newest first, for the console. */
export async function listLockouts(db: Database): Promise<Lockout[]> {
  const rows = await db
    .select()
    .from(loginThrottle)
    .where(and(like(loginThrottle.key, 'email:%'), gt(loginThrottle.lockedUntil, nowSeconds())))
    .orderBy(desc(loginThrottle.lastFailureAt))
    .limit(500);
  return rows.map((r) => ({ email: r.key.slice('email:'.length), failures: r.failures, lastFailureAt: r.lastFailureAt, lockedUntil: r.lockedUntil }));
}

/** Unlocks an account: its failures are forgotten. Returns whether it was locked or counted. */
export async function unlockAccount(db: Database, email: string): Promise<boolean> {
  const deleted = await db.delete(loginThrottle).where(eq(loginThrottle.key, throttleKeys.email(email))).returning({ key: loginThrottle.key });
  return deleted.length > 0;
}

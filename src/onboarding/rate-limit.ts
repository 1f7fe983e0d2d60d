// Fixed-window limits on what anonymous people may ask for (sign-up, forgot password), counted
// atomically in D1. The client address is counted first and the email only when the address is
// within its limit, so one address spraying new emails cannot grow the table beyond its own limit.
import { lte, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { onboardingRateLimits } from '../db/schema';
import { nowSeconds } from '../lib/time';
import { normaliseEmail } from '../users/input';

export interface Limit {
  max: number;
  windowSeconds: number;
}

/** The limits per action: per client address and per email (an email limit keeps one inbox from being flooded). */
export const LIMITS = {
  signup: { ip: { max: 10, windowSeconds: 60 * 60 }, email: { max: 3, windowSeconds: 60 * 60 } },
  reset: { ip: { max: 20, windowSeconds: 60 * 60 }, email: { max: 3, windowSeconds: 60 * 60 } },
  /** Counted by the signed-in account's current address. */
  emailChange: { ip: { max: 20, windowSeconds: 60 * 60 }, email: { max: 5, windowSeconds: 60 * 60 } },
} as const satisfies Record<string, { ip: Limit; email: Limit }>;

export type LimitedAction = keyof typeof LIMITS;

/** Counts one request against `key`; true while the window's count is within `limit.max`. */
async function take(db: Database, key: string, limit: Limit, now: number): Promise<boolean> {
  const [row] = await db
    .insert(onboardingRateLimits)
    .values({ key, count: 1, windowEndsAt: now + limit.windowSeconds })
    .onConflictDoUpdate({
      target: onboardingRateLimits.key,
      set: {
        count: sql`case when ${onboardingRateLimits.windowEndsAt} <= ${now} then 1 else ${onboardingRateLimits.count} + 1 end`,
        windowEndsAt: sql`case when ${onboardingRateLimits.windowEndsAt} <= ${now} then ${now + limit.windowSeconds} else ${onboardingRateLimits.windowEndsAt} end`,
      },
    })
    .returning({ count: onboardingRateLimits.count, windowEndsAt: onboardingRateLimits.windowEndsAt });
  return (row?.count ?? Infinity) <= limit.max;
}

export type RateDecision = { allowed: true } | { allowed: false; by: 'ip' | 'email' };

/**
 * Counts one request for `action` from `ip` about `email`. Refused by the address: the email is
 * not counted (nothing is written per email). Refused by the email: the answer to the person is
 * the same as a success (see the routes), so the limit reveals nothing about the account.
 */
export async function takeRequest(db: Database, action: LimitedAction, ip: string, email: string | null, now = nowSeconds()): Promise<RateDecision> {
  const limits = LIMITS[action];
  if (!(await take(db, `${action}:ip:${ip}`, limits.ip, now))) return { allowed: false, by: 'ip' };
  if (email !== null && !(await take(db, `${action}:email:${normaliseEmail(email)}`, limits.email, now))) return { allowed: false, by: 'email' };
  return { allowed: true };
}

/** For the daily cron: deletes counters whose window has ended. */
export async function pruneRateLimits(db: Database, now = nowSeconds()): Promise<number> {
  const result = await db.delete(onboardingRateLimits).where(lte(onboardingRateLimits.windowEndsAt, now));
  return result.meta.changes;
}

// Sign-in protection: attempts are counted per account email and per client address in D1
// (strongly consistent, unlike KV). Counting by email, whether or not an account has it, means a
// lockout looks the same for every address and reveals nothing.
//
// An attempt first *reserves* a check, one atomic upsert per key: refused while the key is locked,
// or while the checks in flight plus the failures already recorded would pass the threshold. Only
// then is the password checked, and the outcome settles the reservation: a wrong password counts a
// failure (and sets the lock the count earns), a right one just gives the reservation back. So
// 45 parallel guesses get at most 30 checks, while 40 parallel correct sign-ins never count toward
// the lock: an attempt that finds the checks in flight at the limit waits for them to settle
// (serialised per key) instead of being refused. A reservation a crashed request never settled
// lapses after PENDING_SECONDS.
//
// The client address is reserved first, and the email only if the address is not locked: a locked
// address writes nothing per email, so spraying new emails from it cannot grow the table.
//
// A directory sign-in resolves the typed login to an entry before it checks the password; the
// entry (and the edge-sso user linked to it, by that user's email key) is then reserved too
// (reserveAccounts), so every spelling that reaches one account, and the local password of the
// user linked to it, count against one lock.
import { and, desc, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { BatchItem, BatchResponse } from 'drizzle-orm/batch';
import type { Database } from '../db/client';
import { loginThrottle } from '../db/schema';
import type { LockoutPolicy } from '../env';
import { nowSeconds } from '../lib/time';
import { normaliseEmail } from '../users/input';

export const throttleKeys = {
  // Normalised exactly as the user store normalises emails, so one account has one counter.
  email: (email: string) => `email:${normaliseEmail(email)}`,
  ip: (ip: string) => `ip:${ip}`,
  /** Second-factor codes (src/mfa/): per user, counted like passwords but apart from them. */
  mfa: (userId: string) => `mfa:${userId}`,
  /** A directory entry, by its source and its stable subject (entryUUID, objectGUID, else the DN), as resolved by the directory. */
  directory: (source: string, subject: string) => `dir:${source}:${normaliseSubject(subject)}`,
  /** Failures of anonymous requests from a client address (src/login/anonymous.ts), apart from its password failures. */
  anonymous: (ip: string) => `anon:${ip}`,
  /** Anonymous requests from a client address that carry nothing this server issued (src/login/anonymous.ts): counted, never locked. */
  stray: (ip: string) => `stray:${ip}`,
};

/** A subject as the directory would compare it: entryUUID and objectGUID are hex (any case), a DN ignores case and the spaces around its separators. */
function normaliseSubject(subject: string): string {
  return subject
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s*([,=+])\s*/g, '$1')
    .trim();
}

/** How long a reservation holds if its request never settles it (a check takes well under a second). */
export const PENDING_SECONDS = 30;
/** How long an attempt waits for the checks in flight on its keys before it gives up with a 429. */
const BUSY_WAIT_MS = 10_000;

/** Pure: the lock that `failures` failures earn (Keycloak's rule: one more increment per threshold). */
export function lockSeconds(failures: number, threshold: number, policy: LockoutPolicy): number {
  if (failures < threshold) return 0;
  return Math.min(policy.maxWaitSeconds, policy.waitIncrementSeconds * Math.floor(failures / threshold));
}

interface Reserved {
  email: string;
  ip: string;
  /** Accounts reserved later in the attempt (reserveAccounts), counted like `email`. */
  also: string[];
}

export type Attempt =
  | { allowed: true; keys: Reserved }
  /** `lockedBy`: what refused it; `locked`: keys this refused attempt itself locked (for the audit). */
  | { allowed: false; lockedBy: 'email' | 'ip' | 'busy'; retryAfterSeconds: number; locked: string[] };

/** The row's failures, forgotten after `resetSeconds` without one. */
const currentFailures = (resetBefore: number) =>
  sql`(case when ${loginThrottle.lastFailureAt} < ${resetBefore} then 0 else ${loginThrottle.failures} end)`;
/** The row's checks in flight, forgotten once their reservation has lapsed. */
const currentPending = (now: number) => sql`(case when ${loginThrottle.pendingUntil} > ${now} then ${loginThrottle.pending} else 0 end)`;

/**
 * Reserves one check for `key`. Refused (no row comes back, nothing is written) while the key is
 * locked or its checks in flight are at the limit: as many as the failures left before the
 * threshold, and one at a time past it (each failure there locks again). `onlyAfterReservation`:
 * only if the statement just before it in the batch reserved something (SQLite's changes()), so a
 * subject is reserved in the same round trip as the address, yet never while the address is refused.
 */
function reserveStatement(db: Database, key: string, threshold: number, policy: LockoutPolicy, now: number, onlyAfterReservation = false) {
  const failures = currentFailures(now - policy.resetSeconds);
  const pending = currentPending(now);
  // Columns in the table's order: key, failures, first/last failure, locked until, pending, pending until.
  const row = sql`select ${key}, 0, ${now}, 0, 0, 1, ${now + PENDING_SECONDS} where ${onlyAfterReservation ? sql`changes() > 0` : sql`1`}`;
  return db
    .insert(loginThrottle)
    .select(row)
    .onConflictDoUpdate({
      target: loginThrottle.key,
      set: { pending: sql`${pending} + 1`, pendingUntil: now + PENDING_SECONDS },
      setWhere: sql`${loginThrottle.lockedUntil} <= ${now} and ${pending} < max(1, ${threshold} - ${failures})`,
    })
    .returning({ key: loginThrottle.key });
}

/** The statement that counts a failure for `key`, settling its reservation and setting the lock the count earns. */
function failureStatement(db: Database, key: string, threshold: number, policy: LockoutPolicy, now: number) {
  const failures = currentFailures(now - policy.resetSeconds);
  const next = sql`(${failures} + 1)`;
  return db
    .insert(loginThrottle)
    .values({ key, failures: 1, firstFailureAt: now, lastFailureAt: now, lockedUntil: lockSeconds(1, threshold, policy) ? now + lockSeconds(1, threshold, policy) : 0 })
    .onConflictDoUpdate({
      target: loginThrottle.key,
      set: {
        failures: next,
        firstFailureAt: sql`case when ${failures} = 0 then ${now} else ${loginThrottle.firstFailureAt} end`,
        lastFailureAt: now,
        pending: sql`max(${currentPending(now)} - 1, 0)`,
        lockedUntil: sql`case when ${next} >= ${threshold} then ${now} + min(${policy.maxWaitSeconds}, ${policy.waitIncrementSeconds} * cast(${next} / ${threshold} as integer)) else ${loginThrottle.lockedUntil} end`,
      },
    })
    .returning({ key: loginThrottle.key, failures: loginThrottle.failures });
}

/** Counts one failure for `key` outright (no reservation): its count in the current window and the lock it earned. */
export async function countFailure(db: Database, key: string, threshold: number, policy: LockoutPolicy, alongside: BatchItem<'sqlite'>[] = []): Promise<{ failures: number; lockedUntil: number }> {
  const now = nowSeconds();
  const counted = failureStatement(db, key, threshold, policy, now);
  const [[row]] = (await db.batch([counted, ...alongside] as unknown as [typeof counted])) as [{ failures: number }[]];
  const failures = row?.failures ?? 1;
  return { failures, lockedUntil: failures >= threshold ? now + lockSeconds(failures, threshold, policy) : 0 };
}

/** Until when `key` is locked (0 when it is not), in epoch seconds. */
export async function lockedUntilOf(db: Database, key: string): Promise<number> {
  const [row] = await db.select({ lockedUntil: loginThrottle.lockedUntil }).from(loginThrottle).where(eq(loginThrottle.key, key));
  return row?.lockedUntil ?? 0;
}

/** Gives reservations back without counting anything. */
function releaseStatement(db: Database, keys: string[], now: number) {
  return db
    .update(loginThrottle)
    .set({ pending: sql`max(${currentPending(now)} - 1, 0)` })
    .where(inArray(loginThrottle.key, keys));
}

/** Deletes rows among `keys` that no longer hold anything: no lock, no failures that count, no check in flight. */
function forgetIdleStatement(db: Database, keys: string[], policy: LockoutPolicy, now: number) {
  return db
    .delete(loginThrottle)
    .where(
      and(
        inArray(loginThrottle.key, keys),
        lte(loginThrottle.lockedUntil, now),
        sql`${currentPending(now)} = 0`,
        sql`${currentFailures(now - policy.resetSeconds)} = 0`,
      ),
    );
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An allowed attempt, with what was read alongside its reservations (see beginAttempt). */
export type Begun<T extends readonly BatchItem<'sqlite'>[]> = Attempt & { read: BatchResponse<T> };

/**
 * Reserves a check for the client address and then the subject (the email, or a user's second
 * factor), waiting while checks in flight fill the limit. `alongside`: reads the caller needs
 * either way (the account, its factors), made in the same batch, so a sign-in's checks and its
 * reads cost one D1 round trip; they run after the reservations, and come back as `read`.
 */
export async function beginAttempt<const T extends readonly BatchItem<'sqlite'>[] = []>(
  db: Database,
  email: string,
  ip: string,
  policy: LockoutPolicy,
  subjectKey = throttleKeys.email(email),
  alongside: () => T = () => [] as unknown as T,
): Promise<Begun<T>> {
  const keys: Reserved = { email: subjectKey, ip: throttleKeys.ip(ip), also: [] };
  const giveUpAt = Date.now() + BUSY_WAIT_MS;
  for (let round = 0; ; round++) {
    const now = nowSeconds();
    const [ipReserved, subjectReserved, locks, ...read] = (await db.batch([
      reserveStatement(db, keys.ip, policy.ipThreshold, policy, now),
      reserveStatement(db, keys.email, policy.threshold, policy, now, true),
      db.select({ key: loginThrottle.key, lockedUntil: loginThrottle.lockedUntil }).from(loginThrottle).where(inArray(loginThrottle.key, [keys.ip, keys.email])),
      ...alongside(),
    ] as const)) as unknown as [{ key: string }[], { key: string }[], { key: string; lockedUntil: number }[], ...BatchResponse<T>];
    const lockOf = (key: string) => locks.find((l) => l.key === key)?.lockedUntil ?? 0;
    const results = read as unknown as BatchResponse<T>;
    if (ipReserved.length > 0) {
      if (subjectReserved.length > 0) return { allowed: true, keys, read: results };
      const subjectLock = lockOf(keys.email);
      if (subjectLock > now) {
        // A try at a locked account still counts against the address, so hammering one stays bounded.
        const [ip] = await failureStatement(db, keys.ip, policy.ipThreshold, policy, now);
        const locked = ip && ip.failures >= policy.ipThreshold ? [keys.ip] : [];
        return { allowed: false, lockedBy: 'email', retryAfterSeconds: subjectLock - now, locked, read: results };
      }
      await releaseStatement(db, [keys.ip], now);
    } else {
      const ipLock = lockOf(keys.ip);
      if (ipLock > now) return { allowed: false, lockedBy: 'ip', retryAfterSeconds: ipLock - now, locked: [], read: results };
    }
    // Checks in flight fill the limit: wait for them to settle, then try again.
    if (Date.now() >= giveUpAt) return { allowed: false, lockedBy: 'busy', retryAfterSeconds: 1, locked: [], read: results };
    await pause(Math.min(200, 20 + round * 10) + Math.random() * 20);
  }
}

export type AccountsHeld = { retryAfterSeconds: number; by: 'account' | 'busy' };

/**
 * Reserves checks for the accounts an allowed attempt turned out to be about (a directory entry,
 * the user linked to it), all or none, in one round trip each try: refused while any is locked,
 * waiting while checks in flight fill one. Keys the attempt already holds are not reserved twice.
 * Returns null once reserved (they then settle with the attempt), else why not (the attempt keeps
 * what it held; the caller settles it).
 */
export async function reserveAccounts(db: Database, attempt: Extract<Attempt, { allowed: true }>, keys: string[], policy: LockoutPolicy): Promise<AccountsHeld | null> {
  const wanted = [...new Set(keys)].filter((k) => k !== attempt.keys.email && !attempt.keys.also.includes(k));
  if (wanted.length === 0) return null;
  const giveUpAt = Date.now() + BUSY_WAIT_MS;
  for (let round = 0; ; round++) {
    const now = nowSeconds();
    // Each key only if the one before it was reserved (changes()), so a refusal stops the chain.
    const [locks, ...reserved] = (await db.batch([
      db.select({ key: loginThrottle.key, lockedUntil: loginThrottle.lockedUntil }).from(loginThrottle).where(inArray(loginThrottle.key, wanted)),
      ...wanted.map((key, i) => reserveStatement(db, key, policy.threshold, policy, now, i > 0)),
    ] as unknown as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]])) as unknown as [{ key: string; lockedUntil: number }[], ...{ key: string }[][]];
    const got = wanted.filter((_, i) => reserved[i]!.length > 0);
    if (got.length === wanted.length) {
      attempt.keys.also.push(...wanted);
      return null;
    }
    if (got.length > 0) await releaseStatement(db, got, now);
    const lockedUntil = Math.max(0, ...locks.map((l) => l.lockedUntil));
    if (lockedUntil > now) return { by: 'account', retryAfterSeconds: lockedUntil - now };
    if (Date.now() >= giveUpAt) return { by: 'busy', retryAfterSeconds: 1 };
    await pause(Math.min(200, 20 + round * 10) + Math.random() * 20);
  }
}

/**
 * An attempt reserveAccounts refused: its own reservations go back, and the try still counts
 * against the address (as a try at a locked email does). Returns the keys it locked.
 */
export async function refuseHeld(db: Database, attempt: Extract<Attempt, { allowed: true }>, policy: LockoutPolicy): Promise<string[]> {
  const now = nowSeconds();
  const { email, ip, also } = attempt.keys;
  const [, ipRows] = await db.batch([releaseStatement(db, [email, ...also], now), failureStatement(db, ip, policy.ipThreshold, policy, now)]);
  return (ipRows[0]?.failures ?? 0) >= policy.ipThreshold ? [ip] : [];
}

/** A wrong password: counts a failure for the email (and the accounts reserved with it) and the address. Returns the keys this failure locked. */
export async function recordFailure(db: Database, attempt: Extract<Attempt, { allowed: true }>, policy: LockoutPolicy): Promise<string[]> {
  const now = nowSeconds();
  const { email, ip, also } = attempt.keys;
  const [emailRows, ipRows, ...alsoRows] = (await db.batch([
    failureStatement(db, email, policy.threshold, policy, now),
    failureStatement(db, ip, policy.ipThreshold, policy, now),
    ...also.map((key) => failureStatement(db, key, policy.threshold, policy, now)),
  ])) as { key: string; failures: number }[][];
  const locked: string[] = [];
  if ((emailRows![0]?.failures ?? 0) >= policy.threshold) locked.push(email);
  if ((ipRows![0]?.failures ?? 0) >= policy.ipThreshold) locked.push(ip);
  also.forEach((key, i) => {
    if ((alsoRows[i]![0]?.failures ?? 0) >= policy.threshold) locked.push(key);
  });
  return locked;
}

/** A successful sign-in: forgets the account's failures and gives both reservations back; idle rows go. */
export function successStatements(db: Database, attempt: Extract<Attempt, { allowed: true }>, policy: LockoutPolicy) {
  const now = nowSeconds();
  const { email, ip, also } = attempt.keys;
  const accounts = [email, ...also];
  return [
    db
      .update(loginThrottle)
      .set({ failures: 0, lockedUntil: 0, pending: sql`max(${currentPending(now)} - 1, 0)` })
      .where(accounts.length === 1 ? eq(loginThrottle.key, email) : inArray(loginThrottle.key, accounts)),
    releaseStatement(db, [ip], now),
    forgetIdleStatement(db, [...accounts, ip], policy, now),
  ] as const;
}

/** successStatements(), run on their own. */
export async function recordSuccess(db: Database, attempt: Extract<Attempt, { allowed: true }>, policy: LockoutPolicy): Promise<void> {
  await db.batch(successStatements(db, attempt, policy));
}

/** A right password that does not sign in (a disabled account): counts nothing, forgets nothing. */
export async function releaseAttempt(db: Database, attempt: Extract<Attempt, { allowed: true }>, policy: LockoutPolicy): Promise<void> {
  const now = nowSeconds();
  const keys = [attempt.keys.email, attempt.keys.ip, ...attempt.keys.also];
  await db.batch([releaseStatement(db, keys, now), forgetIdleStatement(db, keys, policy, now)]);
}

/**
 * Deletes rows that no longer hold anything (for the Cron Trigger): no lock, no failure within
 * `resetSeconds`, no check in flight. Returns how many went.
 */
export async function pruneThrottle(db: Database, policy: LockoutPolicy, now = nowSeconds()): Promise<number> {
  const result = await db
    .delete(loginThrottle)
    .where(
      and(
        lte(loginThrottle.lockedUntil, now),
        lte(loginThrottle.pendingUntil, now),
        sql`${loginThrottle.lastFailureAt} < ${now - policy.resetSeconds}`,
      ),
    );
  return result.meta.changes;
}

const KINDS = { email: 'email', ip: 'ip', mfa: 'mfa', dir: 'directory', anon: 'anonymous' } as const;

export interface Lockout {
  /** `email:<address>`, `ip:<address>`, `mfa:<user id>`, `dir:<source>:<subject>` or `anon:<address>`, as the console's Unlock sends it back. */
  key: string;
  /** `anonymous`: an address's anonymous failures (src/login/anonymous.ts). */
  kind: (typeof KINDS)[keyof typeof KINDS];
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
    const [prefix, ...rest] = r.key.split(':');
    const kind = KINDS[prefix as keyof typeof KINDS] ?? 'email';
    return { key: r.key, kind, subject: rest.join(':'), failures: r.failures, lastFailureAt: r.lastFailureAt, lockedUntil: r.lockedUntil };
  });
}

/** A lockout named as the lockouts list shows it: its throttle key, and the audit target that names it. */
export interface LockoutTarget {
  key: string;
  /** The email for an account, `ip:<address>` for an address, `mfa:<user id>` for second-factor codes, the key itself for the others. */
  target: string;
}

/**
 * Reads a throttle key sent back by the console (`email:<address>`, `ip:<address>`, `mfa:<user id>`,
 * `dir:<source>:<subject>`, `anon:<address>`). Anything else is null, so a form cannot name rows
 * the lockouts list never shows.
 */
export function parseLockoutKey(raw: string): LockoutTarget | null {
  const at = raw.indexOf(':');
  if (at < 0) return null;
  const kind = raw.slice(0, at);
  const subject = raw.slice(at + 1);
  if (subject.length === 0 || subject.length > 320 || /[\u0000-\u001f\u007f]/.test(subject)) return null;
  // A DN may hold spaces; nothing else does.
  if (kind === 'dir') return /^[a-z0-9-]+:./.test(subject) ? { key: raw, target: raw } : null;
  if (/\s/.test(subject)) return null;
  if (kind === 'anon') return /^[0-9A-Za-z.:%_/-]+$/.test(subject) ? { key: raw, target: raw } : null;
  if (kind === 'email') {
    if (!/^[^@]+@[^@]+$/.test(subject)) return null;
    const email = normaliseEmail(subject);
    return { key: throttleKeys.email(email), target: email };
  }
  // An address as clientAddressKey writes it: IPv4 (or a raw value) as it is, IPv6 as its /64.
  if (kind === 'ip') return /^[0-9A-Za-z.:%_-]+$/.test(subject) || /^[0-9a-f]{1,4}(:[0-9a-f]{1,4}){3}::\/64$/.test(subject) ? { key: throttleKeys.ip(subject), target: `ip:${subject}` } : null;
  if (kind === 'mfa') return /^[0-9A-Za-z_-]+$/.test(subject) ? { key: throttleKeys.mfa(subject), target: `mfa:${subject}` } : null;
  return null;
}

/** Unlocks an account email or a client address: its failures are forgotten. Returns whether any were recorded. */
export async function unlock(db: Database, key: string): Promise<boolean> {
  if (!/^(email|ip|mfa|dir|anon):./.test(key)) return false;
  const deleted = await db.delete(loginThrottle).where(eq(loginThrottle.key, key)).returning({ key: loginThrottle.key });
  return deleted.length > 0;
}

// Failures of anonymous requests: a federation callback this browser never started, a passkey
// sign-in that fails, an upstream or a directory that cannot be reached. Anyone can send these as
// fast as they like, so none of them writes a row each: they are counted per client address (IPv6
// by its /64) in login_throttle under `anon:<address>`, with the same threshold, lock and quiet
// period as an address's wrong passwords (apart from them). Only the first failure of a window
// (the count starting again after LOCKOUT_RESET_SECONDS without one) is audited; every failure
// adds to the day's figures. An address over the limit is refused (429) before any work is done.
import { audit, type AuditEvent } from '../audit/audit';
import { DEPLOYMENT, incrementStatement } from '../audit/counters';
import { settingsFrom } from '../env';
import { dbOf, throttleAddress, type AppContext } from '../http/context';
import { nowSeconds } from '../lib/time';
import { countFailure, lockedUntilOf, throttleKeys } from './throttle';

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
/** What a person refused for a lock is told (the password form, the passkey form). */
export const tooManyFailures = (seconds: number) =>
  `Too many failed sign-ins. Try again in ${seconds < 60 ? plural(seconds, 'second') : plural(Math.ceil(seconds / 60), 'minute')}.`;

/**
 * Seconds until this request's address may try again, or null while it is within its limit. A
 * refused request is a failure too: counted (so the count is every request), never audited.
 */
export async function anonymousRetryAfter(c: AppContext): Promise<number | null> {
  const db = dbOf(c);
  const key = throttleKeys.anonymous(throttleAddress(c));
  if ((await lockedUntilOf(db, key)) <= nowSeconds()) return null;
  const { lockout: policy } = settingsFrom(c.env);
  const { lockedUntil } = await countFailure(db, key, policy.ipThreshold, policy, [incrementStatement(db, DEPLOYMENT, 'failures')]);
  return Math.max(1, lockedUntil - nowSeconds());
}

/**
 * Counts an anonymous failure against the request's address (awaited, so the next request sees
 * it), and audits `event` only when it is the first of its window. Returns the address's count.
 */
export async function anonymousFailure(c: AppContext, event: AuditEvent): Promise<number> {
  const { lockout: policy } = settingsFrom(c.env);
  const db = dbOf(c);
  const { failures } = await countFailure(db, throttleKeys.anonymous(throttleAddress(c)), policy.ipThreshold, policy, [incrementStatement(db, DEPLOYMENT, 'failures')]);
  c.set('outcome', event.type);
  if (failures === 1) {
    audit(c, { ...event, detail: { ...event.detail, counted_per_address: { window_seconds: policy.resetSeconds, limit: policy.ipThreshold } } }, { counted: true });
  }
  return failures;
}

// Failures of anonymous requests. Anyone can send these as fast as they like, so none of them
// writes a row each: they are counted per client address (IPv6 by its /64) in login_throttle, and
// only the first failure of a window (the count starting again after LOCKOUT_RESET_SECONDS without
// one) is audited; every failure adds to the day's figures. Two counters, by who can cause them:
//
// - `anon:<address>` (anonymousFailure): failures only a request carrying something this server
//   issued can cause: a failed passkey sign-in (its form's CSRF token), a callback or SAML response
//   with this browser's attempt whose upstream step fails, a directory that cannot be reached from
//   the login form. Another site cannot make a visitor's browser send these, so the count may lock:
//   with the threshold, lock and quiet period of an address's wrong passwords (apart from them), an
//   address over the limit is refused passkey sign-ins (429) before the assertion is checked.
// - `stray:<address>` (strayRequest): requests that carry nothing this server issued: a callback or
//   SAML response no sign-in here started (no attempt, or another one's), a source that cannot
//   start. Any page can make its visitors' browsers send these (an <img>, a no-cors POST), so they
//   never lock anything: a lock on them would be a lock that page holds on its visitors' network.
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
 * Seconds until this request's address may try again, or null while its `anon:` count is within
 * the limit. A refused request is a failure too: counted (so the count is every request), never audited.
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
 * Counts a failure against the request's address under `anon:` (awaited, so the next request sees
 * it), and audits `event` only when it is the first of its window. Returns the address's count.
 */
export function anonymousFailure(c: AppContext, event: AuditEvent): Promise<number> {
  const { lockout: policy } = settingsFrom(c.env);
  return countPerAddress(c, event, throttleKeys.anonymous(throttleAddress(c)), policy.ipThreshold, { limit: policy.ipThreshold });
}

/** A count no address reaches: `stray:` rows never lock. */
const NEVER = Number.MAX_SAFE_INTEGER;

/** Counts a request that carries nothing this server issued under `stray:` (never a lock), audited as anonymousFailure is. */
export function strayRequest(c: AppContext, event: AuditEvent): Promise<number> {
  return countPerAddress(c, event, throttleKeys.stray(throttleAddress(c)), NEVER, { locks: false });
}

async function countPerAddress(c: AppContext, event: AuditEvent, key: string, threshold: number, rule: { limit: number } | { locks: false }): Promise<number> {
  const { lockout: policy } = settingsFrom(c.env);
  const db = dbOf(c);
  const { failures } = await countFailure(db, key, threshold, policy, [incrementStatement(db, DEPLOYMENT, 'failures')]);
  c.set('outcome', event.type);
  if (failures === 1) {
    audit(c, { ...event, detail: { ...event.detail, counted_per_address: { window_seconds: policy.resetSeconds, ...rule } } }, { counted: true });
  }
  return failures;
}

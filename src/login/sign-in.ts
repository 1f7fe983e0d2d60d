// Checking a password sign-in: throttling, the credential check, and what the audit log records.
// The route renders the outcome and starts the session.
import { eq } from 'drizzle-orm';
import type { BatchItem, BatchResponse } from 'drizzle-orm/batch';
import type { Database } from '../db/client';
import { users } from '../db/schema';
import type { AccountGate, DirectoryOutcome } from '../federation/ldap/sign-in';
import type { LockoutPolicy } from '../env';
import type { SessionCredential } from '../sessions/sessions';
import { authenticateRow, userByEmail } from '../users/store';
import type { User } from '../users/user';
import { beginAttempt, recordFailure, recordSuccess, refuseHeld, releaseAttempt, reserveAccounts, successStatements, throttleKeys } from './throttle';

const MAX_PASSWORD_LENGTH = 1024;
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

export type SignInOutcome<T extends readonly BatchItem<'sqlite'>[] = []> =
  /** `credential`: what the new session is bound to (see startSession); `source`: the directory that checked the password. */
  /**
   * `settle`: the throttle statements that give the attempt's reservations back, for the caller to
   * run in the batch that starts the session (or on its own). `read`: what was read alongside the
   * reservations (null for a directory's sign-in, whose user the email may not name).
   */
  | { kind: 'signed-in'; user: User; credential: SessionCredential; source?: string; settle: readonly BatchItem<'sqlite'>[]; read: BatchResponse<T> | null }
  /** A directory answered something other than a sign-in or a wrong password (unreachable, disabled, refused by the account rules). */
  | { kind: 'directory'; outcome: Exclude<DirectoryOutcome, { kind: 'signed-in' | 'refused' | 'held' }> }
  /** The right password for a disabled account: said only after the right password, so it reveals nothing to others. */
  | { kind: 'disabled'; user: User }
  /** Wrong email or password; `locked` names what this attempt locked (the email, or `ip:<address>`). */
  | { kind: 'refused'; locked: string[] }
  /** Refused unchecked. `by`: the account's lock, the client address's lock, or too many checks in flight. */
  | { kind: 'locked'; by: 'email' | 'ip' | 'busy'; retryAfterSeconds: number; locked: string[] };

/** What the audit log records of the typed email: people sometimes type their password there. */
export function auditableEmail(email: string): string {
  return EMAIL_SHAPE.test(email) ? email.toLowerCase() : '(not an email address)';
}

/**
 * Password checks against a directory (src/federation/ldap/sign-in.ts). `primary`: the app's
 * source is a directory, so only it is asked. Otherwise ("user federation") `check` is asked for
 * logins without a local password, and returns null when no directory is configured for it.
 * `gate` is asked once the directory has resolved the login to an entry, before its password is sent.
 */
export interface DirectoryPasswordCheck {
  primary: boolean;
  check(login: string, password: string, gate: AccountGate): Promise<DirectoryOutcome | null>;
}

/**
 * Checks a password sign-in. Its first D1 round trip reserves the checks and reads the account
 * (and whatever `alongside` names: the caller's reads about the account); a wrong password costs a
 * second, which counts the failure; a right one leaves `settle` to the session's batch.
 */
export async function checkSignIn<const T extends readonly BatchItem<'sqlite'>[] = []>(
  db: Database,
  input: { email: string; password: string; ip: string },
  policy: LockoutPolicy,
  directory?: DirectoryPasswordCheck,
  alongside: () => T = () => [] as unknown as T,
): Promise<SignInOutcome<T>> {
  const auditTarget = (key: string) => (key.startsWith('email:') ? auditableEmail(input.email) : key);
  const attempt = await beginAttempt(db, input.email, input.ip, policy, undefined, () => [userByEmail(db, input.email), ...alongside()] as const);
  if (!attempt.allowed) {
    return { kind: 'locked', by: attempt.lockedBy, retryAfterSeconds: Math.max(1, attempt.retryAfterSeconds), locked: attempt.locked.map(auditTarget) };
  }
  const [[row], ...read] = attempt.read;
  // The account the directory resolved the login to (and the user linked to it) is counted too,
  // whatever spelling reached it: reserved before its password is sent.
  const gate: AccountGate = ({ source, subject, linkedEmail }) =>
    reserveAccounts(db, attempt, [throttleKeys.directory(source, subject), ...(linkedEmail ? [throttleKeys.email(linkedEmail)] : [])], policy);
  let match;
  let fromDirectory: DirectoryOutcome | null = null;
  try {
    const checkable = input.password.length > 0 && input.password.length <= MAX_PASSWORD_LENGTH;
    if (directory?.primary) fromDirectory = checkable ? await directory.check(input.email, input.password, gate) : null;
    else {
      match = checkable ? await authenticateRow(db, row, input.password) : null;
      if (!match && checkable && directory && !row?.passwordHash) fromDirectory = await directory.check(input.email, input.password, gate);
    }
  } catch (error) {
    await releaseAttempt(db, attempt, policy);
    throw error;
  }
  if (fromDirectory?.kind === 'held') {
    const locked = (await refuseHeld(db, attempt, policy)).map(auditTarget);
    const { hold } = fromDirectory;
    return { kind: 'locked', by: hold.by === 'busy' ? 'busy' : 'email', retryAfterSeconds: Math.max(1, hold.retryAfterSeconds), locked };
  }
  if (fromDirectory && fromDirectory.kind !== 'refused') {
    if (fromDirectory.kind === 'signed-in') {
      await recordSuccess(db, attempt, policy);
      // Bound to the user's session version as read now, so a disable or "sign out everywhere" racing this sign-in wins.
      const [current] = await db.select({ sessionVersion: users.sessionVersion }).from(users).where(eq(users.id, fromDirectory.user.id));
      const credential = { sessionVersion: current?.sessionVersion ?? 0 };
      return { kind: 'signed-in', user: fromDirectory.user, source: fromDirectory.source, credential, settle: [], read: null };
    }
    // The right password (or no answer at all): nothing to count toward a lock.
    await releaseAttempt(db, attempt, policy);
    return { kind: 'directory', outcome: fromDirectory };
  }
  if (!match) return { kind: 'refused', locked: (await recordFailure(db, attempt, policy)).map(auditTarget) };
  if (match.user.disabled) {
    // The right password: it must not count toward a lock, nor forget the account's failures.
    await releaseAttempt(db, attempt, policy);
    return { kind: 'disabled', user: match.user };
  }
  const credential = { passwordHash: match.passwordHash, sessionVersion: match.sessionVersion };
  return { kind: 'signed-in', user: match.user, credential, settle: successStatements(db, attempt, policy), read: read as unknown as BatchResponse<T> };
}

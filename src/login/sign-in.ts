// Checking a password sign-in: throttling, the credential check, and what the audit log records.
// The route renders the outcome and starts the session.
import type { Database } from '../db/client';
import type { LockoutPolicy } from '../env';
import type { SessionCredential } from '../sessions/sessions';
import { authenticate } from '../users/store';
import type { User } from '../users/user';
import { beginAttempt, recordFailure, recordSuccess, releaseAttempt } from './throttle';

const MAX_PASSWORD_LENGTH = 1024;
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

export type SignInOutcome =
  /** `credential`: what the new session is bound to (see startSession). */
  | { kind: 'signed-in'; user: User; credential: SessionCredential }
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

export async function checkSignIn(db: Database, input: { email: string; password: string; ip: string }, policy: LockoutPolicy): Promise<SignInOutcome> {
  const auditTarget = (key: string) => (key.startsWith('email:') ? auditableEmail(input.email) : key);
  const attempt = await beginAttempt(db, input.email, input.ip, policy);
  if (!attempt.allowed) {
    return { kind: 'locked', by: attempt.lockedBy, retryAfterSeconds: Math.max(1, attempt.retryAfterSeconds), locked: attempt.locked.map(auditTarget) };
  }
  let match;
  try {
    match = input.password.length <= MAX_PASSWORD_LENGTH ? await authenticate(db, input.email, input.password) : null;
  } catch (error) {
    await releaseAttempt(db, attempt, policy);
    throw error;
  }
  if (!match) return { kind: 'refused', locked: (await recordFailure(db, attempt, policy)).map(auditTarget) };
  if (match.user.disabled) {
    // The right password: it must not count toward a lock, nor forget the account's failures.
    await releaseAttempt(db, attempt, policy);
    return { kind: 'disabled', user: match.user };
  }
  await recordSuccess(db, attempt, policy);
  return { kind: 'signed-in', user: match.user, credential: { passwordHash: match.passwordHash, sessionVersion: match.sessionVersion } };
}

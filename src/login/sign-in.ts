// Checking a password sign-in: throttling, the credential check, and what the audit log records.
// The route renders the outcome and starts the session.
import type { Database } from '../db/client';
import type { LockoutPolicy } from '../env';
import { authenticate } from '../users/store';
import type { User } from '../users/user';
import { countAttempt, recordSuccess } from './throttle';

const MAX_PASSWORD_LENGTH = 1024;
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

export type SignInOutcome =
  | { kind: 'signed-in'; user: User }
  /** Wrong email or password; `locked` names what this attempt locked (the email, or `ip:<address>`). */
  | { kind: 'refused'; locked: string[] }
  | { kind: 'locked'; retryAfterSeconds: number };

/** What the audit log records of the typed email: people sometimes type their password there. */
export function auditableEmail(email: string): string {
  return EMAIL_SHAPE.test(email) ? email.toLowerCase() : '(not an email address)';
}

export async function checkSignIn(db: Database, input: { email: string; password: string; ip: string }, policy: LockoutPolicy): Promise<SignInOutcome> {
  const attempt = await countAttempt(db, input.email, input.ip, policy);
  if (!attempt.allowed) return { kind: 'locked', retryAfterSeconds: attempt.retryAfterSeconds };
  const user = input.password.length <= MAX_PASSWORD_LENGTH ? await authenticate(db, input.email, input.password) : null;
  if (!user) {
    const locked = attempt.counted.filter((k) => k.lockedUntil > 0).map(({ key }) => (key.startsWith('email:') ? auditableEmail(input.email) : key));
    return { kind: 'refused', locked };
  }
  await recordSuccess(db, input.email, attempt);
  return { kind: 'signed-in', user };
}

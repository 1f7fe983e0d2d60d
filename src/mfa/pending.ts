// The half-done sign-in: a password was right, the second factor is still to come. It travels in
// a sealed cookie (./sealed.ts) for 10 minutes, so an anonymous request writes nothing to KV or D1.
// It holds no password hash, only its SHA-256: finishing re-reads the user and refuses if the
// password or the session version changed meanwhile (see indexSession).
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { users } from '../db/schema';
import type { AppContext } from '../http/context';
import { sha256Hex } from '../lib/encoding';
import type { SessionCredential } from '../sessions/sessions';
import { clearCookie, readCookie, writeCookie } from '../http/cookies';
import { openValue, sealValue } from './sealed';

export const PENDING_COOKIE = 'edge-sso-mfa';
const KIND = 'pending-second-factor';
export const PENDING_TTL_SECONDS = 600;

export interface PendingSignIn {
  userId: string;
  /** SHA-256 of the password hash that matched; absent for other first factors. */
  pwh?: string;
  sessionVersion: number;
  amr: string[];
  /** The directory that checked the password, if one did: the session names it (tokens' `idp`). */
  source?: string;
}

export async function startPending(c: AppContext, pending: Omit<PendingSignIn, 'pwh'>, credential: SessionCredential): Promise<void> {
  const value: PendingSignIn = { ...pending, ...(credential.passwordHash ? { pwh: await sha256Hex(credential.passwordHash) } : {}) };
  writeCookie(c, PENDING_COOKIE, await sealValue(c.env.KEY_ENCRYPTION_KEY, KIND, value, PENDING_TTL_SECONDS), PENDING_TTL_SECONDS);
}

export function readPending(c: AppContext): Promise<PendingSignIn | null> {
  return openValue<PendingSignIn>(c.env.KEY_ENCRYPTION_KEY, KIND, readCookie(c, PENDING_COOKIE));
}

export function clearPending(c: AppContext): void {
  clearCookie(c, PENDING_COOKIE);
}

/** What the new session is bound to: the current password hash, if it is still the one that matched. Null if it changed. */
export async function pendingCredential(db: Database, pending: PendingSignIn): Promise<SessionCredential | null> {
  const [row] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, pending.userId)).limit(1);
  return pendingCredentialOf(row, pending);
}

/** pendingCredential() for the user's row read already (undefined: the user is gone). */
export async function pendingCredentialOf(row: { passwordHash: string | null } | undefined, pending: PendingSignIn): Promise<SessionCredential | null> {
  if (!row) return null;
  if (!pending.pwh) return { sessionVersion: pending.sessionVersion };
  if (!row.passwordHash || (await sha256Hex(row.passwordHash)) !== pending.pwh) return null;
  return { passwordHash: row.passwordHash, sessionVersion: pending.sessionVersion };
}

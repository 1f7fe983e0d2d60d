// Recovery undoes what a stolen password could have set up (DESIGN.md, "Security rules"). A new
// password (changed, reset or set by an admin), "sign out everywhere", a disable and an admin's
// new email end the user's sessions and grants (apps are told) and revoke pending email changes,
// whose links may have gone to whoever held the password. A reset may also remove every second
// factor (one planted with the stolen password would outlive the new one otherwise).
//
// The routes that make those changes call this (the account page, onboarding, the admin API and
// console); the session store below only reports what ended.
import { audit } from '../audit/audit';
import { endUnprovenLinks } from '../federation/accounts';
import { dbOf, type AppContext } from '../http/context';
import { resetFactors } from '../mfa/factors';
import { endUserSessionsAndNotifyApps, syncUserSessionsAndNotifyApps } from '../logout/backchannel';
import type { User } from '../users/user';
import { revokeLinks } from './links';

/** Revokes the user's pending email changes, and the links that would stop them. Returns how many links ended. */
export function revokePendingEmailChanges(c: AppContext, userId: string): Promise<number> {
  return revokeLinks(dbOf(c), { userId, purpose: ['email-change', 'email-change-cancel'] });
}

export interface Recovered {
  /** Sessions that were live. */
  ended: number;
  /** Email-change links revoked (a pending change and its cancel link count as two). */
  emailLinksRevoked: number;
  /** Whether every second factor (authenticator app, passkeys, recovery codes) was removed. */
  factorsRemoved: boolean;
}

/** "Sign out everywhere": every session and grant ends, apps are told, pending email changes are revoked; optionally every factor goes too. */
export async function signOutEverywhere(c: AppContext, userId: string, opts: { removeFactors?: boolean } = {}): Promise<Recovered> {
  // Factors first: nothing signed in with a planted one between the two steps survives the second.
  if (opts.removeFactors) await resetFactors(dbOf(c), userId);
  const emailLinksRevoked = await revokePendingEmailChanges(c, userId);
  const ended = await endUserSessionsAndNotifyApps(c, userId);
  return { ended, emailLinksRevoked, factorsRemoved: opts.removeFactors === true };
}

/** Whether a change to a user recovers the account: it must revoke pending email changes. */
export function changeRevokesEmailChanges(before: Pick<User, 'email'>, after: Pick<User, 'email' | 'disabled'>, change: { passwordChanged: boolean }): boolean {
  return change.passwordChanged || after.disabled || before.email !== after.email;
}

/**
 * After a user changed (by an admin, a reset or the user): a new password or a disable ends every
 * session (apps told), other changes reach live sessions; a new password, a disable or a new email
 * revokes pending email changes; `removeFactors` (a reset's choice) removes every second factor
 * first. Returns how many email-change links ended.
 */
export async function applyUserChange(c: AppContext, before: Pick<User, 'email'>, after: User, change: { passwordChanged: boolean; removeFactors?: boolean }): Promise<number> {
  if (change.removeFactors) await resetFactors(dbOf(c), after.id);
  const revoked = changeRevokesEmailChanges(before, after, change) ? await revokePendingEmailChanges(c, after.id) : 0;
  await syncUserSessionsAndNotifyApps(c, after, change);
  return revoked;
}

/**
 * The owner just proved the account's address (accepted an invitation, reset the password,
 * confirmed an email change): an upstream account that created this account from an unverified
 * email (so anyone could have claimed the address upstream) no longer reaches it. Audited.
 */
export async function addressProven(c: AppContext, userId: string): Promise<number> {
  const removed = await endUnprovenLinks(dbOf(c), userId);
  for (const link of removed) {
    audit(c, { type: 'user.identity.unlink', actor: userId, target: userId, detail: { source: link.source, subject: link.subject.slice(0, 255), reason: 'address proven by its owner; the link rested on an unverified upstream email' } });
  }
  return removed.length;
}

// Sign-ups that wait for an admin: the verified account exists, disabled, with an open
// `approval` row. Approving enables it and tells the person; rejecting deletes the account.
import { and, eq, gt, inArray, isNull, lte } from 'drizzle-orm';
import type { Database } from '../db/client';
import { oneTimeLinks, users } from '../db/schema';
import { dbOf, type AppContext } from '../http/context';
import { NotFoundError } from '../lib/errors';
import { nowSeconds } from '../lib/time';
import { deleteUser, updateUser } from '../users/store';
import type { User } from '../users/user';
import { openLinks } from './links';
import { approvedMail } from './messages';
import { linkTo, sendMail } from './send';

export async function pendingApprovals(c: AppContext) {
  const rows = await openLinks(dbOf(c), 'approval');
  return rows.map((r) => ({ userId: r.userId!, email: r.email, name: r.data.name ?? '', requestedAt: r.createdAt }));
}

/** Uses the user's open approval row (once: two admins clicking at once approve once). */
async function takeApproval(c: AppContext, userId: string): Promise<void> {
  const now = nowSeconds();
  const taken = await dbOf(c)
    .update(oneTimeLinks)
    .set({ consumedAt: now })
    .where(and(eq(oneTimeLinks.userId, userId), eq(oneTimeLinks.purpose, 'approval'), isNull(oneTimeLinks.consumedAt), gt(oneTimeLinks.expiresAt, now)))
    .returning({ hash: oneTimeLinks.hash });
  if (taken.length === 0) throw new NotFoundError(`No sign-up waits for approval with user id "${userId}".`);
}

export async function approveSignup(c: AppContext, userId: string): Promise<User> {
  await takeApproval(c, userId);
  const user = await updateUser(dbOf(c), userId, { disabled: false });
  await sendMail(c, user.email, (product) => approvedMail({ product, loginUrl: linkTo(c, '/login') }));
  return user;
}

export async function rejectSignup(c: AppContext, userId: string): Promise<void> {
  await takeApproval(c, userId);
  await deleteUser(dbOf(c), userId);
}

/**
 * For the daily cron, before expired links are pruned: a sign-up nobody approved within its 30
 * days is refused. Its account (disabled since it was verified, never signed in) is deleted, or it
 * would stay for ever, listed nowhere, and its address could not sign up again.
 */
export async function pruneUnapprovedSignups(db: Database, now: number): Promise<number> {
  const expired = db
    .select({ userId: oneTimeLinks.userId })
    .from(oneTimeLinks)
    .where(and(eq(oneTimeLinks.purpose, 'approval'), isNull(oneTimeLinks.consumedAt), lte(oneTimeLinks.expiresAt, now)));
  const deleted = await db.delete(users).where(and(eq(users.disabled, true), inArray(users.id, expired))).returning({ id: users.id });
  return deleted.length;
}

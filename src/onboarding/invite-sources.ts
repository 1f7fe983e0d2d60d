// Accepting an invitation with an identity source instead of a password. The invite page posts
// the token and the chosen source to /invite/source, which seals a claim (the link's hash, the
// invited user, the source, 10 minutes) into a __Host- cookie and starts that source's sign-in.
// The federation callback calls claimInvitation() before it resolves the account: the invitation
// is used (atomically, once) and the upstream account is linked to the invited user, so the
// ordinary linking rules then find it (`linked`). A source whose callback is a cross-site
// form_post (Apple) carries no SameSite=Lax cookie, so it cannot accept an invitation this way.
import { and, eq, gt, isNull } from 'drizzle-orm';
import { audit } from '../audit/audit';
import type { Database } from '../db/client';
import { isUniqueViolation } from '../db/errors';
import { oneTimeLinks, userIdentities, users } from '../db/schema';
import type { AppContext } from '../http/context';
import { dbOf } from '../http/context';
import { sha256Hex } from '../lib/encoding';
import { open, seal, keyring } from '../lib/secret-box';
import { nowSeconds } from '../lib/time';
import { clearCookie, readCookie, writeCookie } from '../http/cookies';
import { revokeLinks } from './links';
import { addressProven } from './recovery';

export const INVITE_CLAIM_COOKIE = 'edge-sso-invite';
const PURPOSE = 'invite-claim:v1';
const CLAIM_SECONDS = 600;

export interface InviteClaim {
  hash: string;
  userId: string;
  slug: string;
  exp: number;
}

export async function writeInviteClaim(c: AppContext, token: string, userId: string, slug: string): Promise<void> {
  const claim: InviteClaim = { hash: await sha256Hex(token), userId, slug, exp: nowSeconds() + CLAIM_SECONDS };
  writeCookie(c, INVITE_CLAIM_COOKIE, await seal(keyring(c.env), JSON.stringify(claim), PURPOSE), CLAIM_SECONDS);
}

async function readInviteClaim(c: AppContext): Promise<InviteClaim | null> {
  const sealed = readCookie(c, INVITE_CLAIM_COOKIE);
  if (!sealed || sealed.length > 2000) return null;
  try {
    const claim = JSON.parse(await open(keyring(c.env), sealed, PURPOSE)) as InviteClaim;
    return claim.exp > nowSeconds() ? claim : null;
  } catch {
    return null;
  }
}

/**
 * Uses the invitation named by `claim` and links (slug, subject) to the invited user. Returns
 * false (and leaves the invitation usable) when the claim is for another source, the invitation
 * was used or expired, or that upstream account is already linked to someone.
 */
export async function linkInvitation(db: Database, claim: InviteClaim, slug: string, subject: string, email: string, now = nowSeconds()): Promise<boolean> {
  if (claim.slug !== slug || claim.exp <= now) return false;
  const [used] = await db
    .update(oneTimeLinks)
    .set({ consumedAt: now })
    .where(and(eq(oneTimeLinks.hash, claim.hash), eq(oneTimeLinks.purpose, 'invite'), eq(oneTimeLinks.userId, claim.userId), isNull(oneTimeLinks.consumedAt), gt(oneTimeLinks.expiresAt, now)))
    .returning({ hash: oneTimeLinks.hash });
  if (!used) return false;
  try {
    await db.insert(userIdentities).values({ source: slug, subject, userId: claim.userId, email, createdAt: now, lastSignInAt: now });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await db.update(oneTimeLinks).set({ consumedAt: null }).where(eq(oneTimeLinks.hash, claim.hash));
    return false;
  }
  // The invitation went to this address, so opening it proved the mailbox.
  await db.update(users).set({ emailVerified: true, updatedAt: now }).where(eq(users.id, claim.userId));
  await revokeLinks(db, { userId: claim.userId, purpose: 'invite' }, now);
  return true;
}

/** For the federation callback: accepts a pending invitation with this upstream account, if the browser carries one. */
export async function claimInvitation(c: AppContext, slug: string, subject: string, email: string): Promise<boolean> {
  const claim = await readInviteClaim(c);
  if (!claim) return false;
  clearCookie(c, INVITE_CLAIM_COOKIE);
  const linked = await linkInvitation(dbOf(c), claim, slug, subject, email);
  if (linked) {
    audit(c, { type: 'invite.accept', actor: claim.userId, target: email, detail: { source: slug } });
    await addressProven(c, claim.userId);
  }
  return linked;
}

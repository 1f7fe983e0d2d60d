// One-time links sent by email: a random 256-bit token in the URL, only its SHA-256 in D1. A link
// is consumed atomically (one UPDATE … WHERE consumed_at IS NULL AND expires_at > now RETURNING),
// so two clicks racing each other, or two isolates, succeed exactly once.
import { and, eq, gt, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { oneTimeLinks, type OneTimeLinkPurpose, type OneTimeLinkRow } from '../db/schema';
import { randomToken, sha256Hex } from '../lib/encoding';
import { nowSeconds } from '../lib/time';

/** How long each kind of link lives, in seconds. */
export const LINK_TTL_SECONDS: Record<OneTimeLinkPurpose, number> = {
  invite: 7 * 24 * 60 * 60,
  verify: 24 * 60 * 60,
  reset: 30 * 60,
  'email-change': 24 * 60 * 60,
  // Sent to the current address when a change is asked for: it stops the change, so it lives as long.
  'email-change-cancel': 24 * 60 * 60,
  approval: 30 * 24 * 60 * 60,
};

/** A token is 32 random bytes, base64url: exactly 43 characters of [A-Za-z0-9_-]. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function isWellFormedToken(token: unknown): token is string {
  return typeof token === 'string' && TOKEN_SHAPE.test(token);
}

export interface NewLink {
  purpose: OneTimeLinkPurpose;
  email: string;
  userId?: string | null;
  data?: Record<string, string>;
  /** Overrides the purpose's lifetime (an admin may choose an invitation's). */
  ttlSeconds?: number;
}

async function linkRow(link: NewLink, now: number) {
  const token = randomToken(32);
  const expiresAt = now + (link.ttlSeconds ?? LINK_TTL_SECONDS[link.purpose]);
  const row = { hash: await sha256Hex(token), purpose: link.purpose, userId: link.userId ?? null, email: link.email, data: link.data ?? {}, createdAt: now, expiresAt };
  return { token, expiresAt, row };
}

/** Stores a new link and returns its token (the only copy: it goes into the email). */
export async function createLink(db: Database, link: NewLink, now = nowSeconds()): Promise<{ token: string; expiresAt: number }> {
  const { token, expiresAt, row } = await linkRow(link, now);
  await db.insert(oneTimeLinks).values(row);
  return { token, expiresAt };
}

/**
 * Ends the user's open links of each purpose among `links` and stores `links`, in one D1 batch (one
 * transaction): however many requests race, exactly one set of links is left open, the last one's.
 */
export async function replaceLinks(db: Database, userId: string, links: Omit<NewLink, 'userId'>[], now = nowSeconds()): Promise<string[]> {
  const made = await Promise.all(links.map((link) => linkRow({ ...link, userId }, now)));
  const purposes = [...new Set(links.map((l) => l.purpose))];
  await db.batch([
    db
      .update(oneTimeLinks)
      .set({ consumedAt: now })
      .where(and(eq(oneTimeLinks.userId, userId), inArray(oneTimeLinks.purpose, purposes), isNull(oneTimeLinks.consumedAt))),
    ...made.map((m) => db.insert(oneTimeLinks).values(m.row)),
  ]);
  return made.map((m) => m.token);
}

/** Why a link did not work: `unknown` (malformed or never issued, 400) or `gone` (used or expired, 410). */
export type LinkProblem = 'unknown' | 'gone';
export type LinkLookup = { ok: true; link: OneTimeLinkRow } | { ok: false; problem: LinkProblem; link?: OneTimeLinkRow };

/** Reads a link without using it (to show the form the link leads to). */
export async function peekLink(db: Database, token: unknown, purpose: OneTimeLinkPurpose, now = nowSeconds()): Promise<LinkLookup> {
  if (!isWellFormedToken(token)) return { ok: false, problem: 'unknown' };
  const [row] = await db
    .select()
    .from(oneTimeLinks)
    .where(and(eq(oneTimeLinks.hash, await sha256Hex(token)), eq(oneTimeLinks.purpose, purpose)))
    .limit(1);
  if (!row) return { ok: false, problem: 'unknown' };
  if (row.consumedAt !== null || row.expiresAt <= now) return { ok: false, problem: 'gone', link: row };
  return { ok: true, link: row };
}

/** Uses a link: succeeds once, for a link of this purpose that has neither been used nor expired. */
export async function consumeLink(db: Database, token: unknown, purpose: OneTimeLinkPurpose, now = nowSeconds()): Promise<LinkLookup> {
  if (!isWellFormedToken(token)) return { ok: false, problem: 'unknown' };
  const hash = await sha256Hex(token);
  const [row] = await db
    .update(oneTimeLinks)
    .set({ consumedAt: now })
    .where(and(eq(oneTimeLinks.hash, hash), eq(oneTimeLinks.purpose, purpose), isNull(oneTimeLinks.consumedAt), gt(oneTimeLinks.expiresAt, now)))
    .returning();
  if (row) return { ok: true, link: row };
  return peekLink(db, token, purpose, now);
}

/**
 * Uses a link and, in the same statement, every other open link of its purpose for the same user:
 * of two links racing (an email change asked for twice), exactly one can ever be used.
 */
export async function consumeLinkAndSiblings(db: Database, token: unknown, purpose: OneTimeLinkPurpose, now = nowSeconds()): Promise<LinkLookup> {
  if (!isWellFormedToken(token)) return { ok: false, problem: 'unknown' };
  const hash = await sha256Hex(token);
  const owner = db
    .select({ userId: oneTimeLinks.userId })
    .from(oneTimeLinks)
    .where(and(eq(oneTimeLinks.hash, hash), eq(oneTimeLinks.purpose, purpose), isNull(oneTimeLinks.consumedAt), gt(oneTimeLinks.expiresAt, now)));
  const rows = await db
    .update(oneTimeLinks)
    .set({ consumedAt: now })
    .where(and(eq(oneTimeLinks.purpose, purpose), isNull(oneTimeLinks.consumedAt), inArray(oneTimeLinks.userId, owner)))
    .returning();
  const row = rows.find((r) => r.hash === hash);
  if (row) return { ok: true, link: row };
  return peekLink(db, token, purpose, now);
}

/** Gives a consumed link back (the step it led to failed for a reason the person can fix, e.g. an address taken meanwhile). */
export async function releaseLink(db: Database, hash: string): Promise<void> {
  await db.update(oneTimeLinks).set({ consumedAt: null }).where(eq(oneTimeLinks.hash, hash));
}

/** Ends a user's open links of one purpose (a new reset link replaces older ones; a new password ends them all). */
export async function revokeLinks(db: Database, where: { userId: string; purpose?: OneTimeLinkPurpose | OneTimeLinkPurpose[] }, now = nowSeconds()): Promise<number> {
  const purposes = where.purpose === undefined ? undefined : [where.purpose].flat();
  const result = await db
    .update(oneTimeLinks)
    .set({ consumedAt: now })
    .where(
      and(
        eq(oneTimeLinks.userId, where.userId),
        purposes ? inArray(oneTimeLinks.purpose, purposes) : undefined,
        isNull(oneTimeLinks.consumedAt),
      ),
    );
  return result.meta.changes;
}

/** Open links of one purpose (for the console: pending invitations, sign-ups awaiting approval). */
export async function openLinks(db: Database, purpose: OneTimeLinkPurpose, limit = 200, now = nowSeconds()) {
  return db
    .select()
    .from(oneTimeLinks)
    .where(and(eq(oneTimeLinks.purpose, purpose), isNull(oneTimeLinks.consumedAt), gt(oneTimeLinks.expiresAt, now)))
    .orderBy(sql`${oneTimeLinks.createdAt} desc`)
    .limit(limit);
}

/** For the daily cron: deletes links that expired or were used (kept a day after use, for support questions). */
export async function pruneOneTimeLinks(db: Database, now = nowSeconds()): Promise<number> {
  const result = await db
    .delete(oneTimeLinks)
    .where(or(lte(oneTimeLinks.expiresAt, now), lte(oneTimeLinks.consumedAt, now - 24 * 60 * 60)));
  return result.meta.changes;
}

/** Erases what a used link carried (a sign-up's password hash must not outlive the sign-up). */
export async function eraseLinkData(db: Database, hash: string): Promise<void> {
  await db.update(oneTimeLinks).set({ data: {} }).where(eq(oneTimeLinks.hash, hash));
}

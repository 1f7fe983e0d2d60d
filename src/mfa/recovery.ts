// Recovery codes: 10 random codes shown once, stored as SHA-256 hashes, each usable once
// (consumed by one UPDATE … WHERE used_at IS NULL … RETURNING). Generating a new set replaces
// the old one.
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { recoveryCodes } from '../db/schema';
import { sha256Hex } from '../lib/encoding';
import { nowSeconds } from '../lib/time';

export const RECOVERY_CODE_COUNT = 10;
/** No 0/O, 1/I/L: easy to read off paper. */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const CODE_LENGTH = 10; // ~49 bits each: guesses are throttled like passwords

function newCode(): string {
  const bytes = crypto.getRandomValues(new Uint32Array(CODE_LENGTH));
  const chars = Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/** What a person typed, in the stored form (lower case, one dash), or null if it cannot be a code. */
export function normaliseRecoveryCode(input: string): string | null {
  const clean = input.toLowerCase().replace(/[\s-]/g, '');
  return clean.length === CODE_LENGTH && [...clean].every((ch) => ALPHABET.includes(ch)) ? `${clean.slice(0, 5)}-${clean.slice(5)}` : null;
}

/** Replaces the user's recovery codes with a new set, returned in clear this once. */
export async function generateRecoveryCodes(db: Database, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  const now = nowSeconds();
  const rows = await Promise.all(codes.map(async (code) => ({ codeHash: await sha256Hex(code), userId, createdAt: now })));
  await db.batch([db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)), db.insert(recoveryCodes).values(rows)]);
  return codes;
}

/**
 * A first set, for a user with no unused codes (a first factor, or every code used up): checked and
 * written in one D1 batch (a transaction), so two enrolments racing cannot both make a set and
 * leave the one shown first dead. Null when the user still has codes: those stay as they are.
 */
export async function generateFirstRecoveryCodes(db: Database, userId: string): Promise<string[] | null> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  const hashes = await Promise.all(codes.map(sha256Hex));
  const noneUnused = sql`not exists (select 1 from ${recoveryCodes} where ${recoveryCodes.userId} = ${userId} and ${recoveryCodes.usedAt} is null)`;
  const [, inserted] = await db.batch([
    db.delete(recoveryCodes).where(and(eq(recoveryCodes.userId, userId), noneUnused)),
    db
      .insert(recoveryCodes)
      .select(sql`select json_each.value, ${userId}, ${nowSeconds()}, null from json_each(${JSON.stringify(hashes)}) where ${noneUnused}`)
      .returning({ codeHash: recoveryCodes.codeHash }),
  ]);
  return inserted.length === RECOVERY_CODE_COUNT ? codes : null;
}

/** Uses a recovery code: true exactly once per code, however many requests race with it. */
export async function consumeRecoveryCode(db: Database, userId: string, input: string, now = nowSeconds()): Promise<boolean> {
  const code = normaliseRecoveryCode(input);
  if (!code) return false;
  const used = await db
    .update(recoveryCodes)
    .set({ usedAt: now })
    .where(and(eq(recoveryCodes.codeHash, await sha256Hex(code)), eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)))
    .returning({ codeHash: recoveryCodes.codeHash });
  return used.length > 0;
}

export async function recoveryCodeCounts(db: Database, userId: string): Promise<{ total: number; unused: number }> {
  const [row] = await db
    .select({ total: sql<number>`count(*)`, unused: sql<number>`coalesce(sum(case when used_at is null then 1 else 0 end), 0)` })
    .from(recoveryCodes)
    .where(eq(recoveryCodes.userId, userId));
  return { total: row?.total ?? 0, unused: row?.unused ?? 0 };
}

export async function removeRecoveryCodes(db: Database, userId: string): Promise<number> {
  const deleted = await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)).returning({ h: recoveryCodes.codeHash });
  return deleted.length;
}

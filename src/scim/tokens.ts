// SCIM bearer tokens: random, shown once, stored as their SHA-256. Deleting one revokes it.
import { and, desc, eq, isNull, lt, or } from 'drizzle-orm';
import type { Database } from '../db/client';
import { isForeignKeyViolation } from '../db/errors';
import { scimTokens, type ScimTokenRow } from '../db/schema';
import { NotFoundError, ValidationError } from '../lib/errors';
import { randomToken, sha256Hex } from '../lib/encoding';
import { nowSeconds } from '../lib/time';
import { asObject, FieldReader } from '../lib/validation';

/** Tokens start with this, so a leaked one is recognisable (secret scanners, logs). */
export const TOKEN_PREFIX = 'scim_';
/** Last use is written at most this often per token, so a busy sync does not write on every request. */
const LAST_USED_GRANULARITY_SECONDS = 60;
const MAX_TOKENS = 50;

export interface NewScimToken {
  name: string;
  identitySource: string | null;
}

export function parseNewScimToken(body: unknown): NewScimToken {
  const fields = new FieldReader(asObject(body));
  fields.onlyKeys(['name', 'identity_source']);
  const name = fields.string('name', { required: true, notEmpty: true, max: 100 });
  const identitySource = fields.string('identity_source', { max: 64 });
  fields.done();
  return { name: name!, identitySource: identitySource || null };
}

export function scimTokenToJson(row: ScimTokenRow) {
  const iso = (t: number | null) => (t === null ? null : new Date(t * 1000).toISOString());
  return { id: row.id, name: row.name, identity_source: row.identitySource, created_at: iso(row.createdAt), last_used_at: iso(row.lastUsedAt) };
}

export async function createScimToken(db: Database, input: NewScimToken): Promise<{ row: ScimTokenRow; token: string }> {
  const existing = await db.select({ id: scimTokens.id }).from(scimTokens).limit(MAX_TOKENS);
  if (existing.length >= MAX_TOKENS) throw new ValidationError({ name: `at most ${MAX_TOKENS} SCIM tokens may exist; revoke one first` });
  const token = TOKEN_PREFIX + randomToken(32);
  try {
    const [row] = await db
      .insert(scimTokens)
      .values({ id: crypto.randomUUID(), name: input.name, identitySource: input.identitySource, tokenHash: await sha256Hex(token), createdAt: nowSeconds() })
      .returning();
    return { row: row!, token };
  } catch (error) {
    if (isForeignKeyViolation(error)) throw new ValidationError({ identity_source: `there is no identity source "${input.identitySource}"` });
    throw error;
  }
}

export async function listScimTokens(db: Database): Promise<ScimTokenRow[]> {
  return db.select().from(scimTokens).orderBy(desc(scimTokens.createdAt)).limit(MAX_TOKENS);
}

export async function revokeScimToken(db: Database, id: string): Promise<ScimTokenRow> {
  const [row] = await db.delete(scimTokens).where(eq(scimTokens.id, id)).returning();
  if (!row) throw new NotFoundError(`No SCIM token with id "${id}".`);
  return row;
}

/** The token row a presented bearer token is, or null (a revoked token no longer has one). */
export async function findScimToken(db: Database, presented: string): Promise<ScimTokenRow | null> {
  if (!presented.startsWith(TOKEN_PREFIX) || presented.length > 100) return null;
  const [row] = await db.select().from(scimTokens).where(eq(scimTokens.tokenHash, await sha256Hex(presented))).limit(1);
  return row ?? null;
}

/** Records a use, unless one was recorded within the last minute (one guarded UPDATE). */
export async function touchScimToken(db: Database, row: ScimTokenRow, now = nowSeconds()): Promise<void> {
  if (row.lastUsedAt !== null && row.lastUsedAt > now - LAST_USED_GRANULARITY_SECONDS) return;
  await db
    .update(scimTokens)
    .set({ lastUsedAt: now })
    .where(and(eq(scimTokens.id, row.id), or(isNull(scimTokens.lastUsedAt), lt(scimTokens.lastUsedAt, now - LAST_USED_GRANULARITY_SECONDS))));
}

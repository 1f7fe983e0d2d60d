// Grants, codes and refresh tokens in D1. Only SHA-256 hashes of codes and refresh tokens are
// stored. Everything single-use is consumed by one conditional UPDATE … RETURNING, so two
// concurrent redemptions cannot both succeed (KV, eventually consistent, could not promise it).
import { and, eq, gt, isNull, lte, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { oauthCodes, oauthGrants, oauthRefreshTokens, oauthRevokedJtis, users, type UserRow } from '../db/schema';
import { randomToken, sha256Hex } from '../lib/encoding';
import { hasFactorSql } from '../mfa/factors';
import { ACCESS_TOKEN_TTL_SECONDS, CODE_RETENTION_SECONDS, CODE_TTL_SECONDS, REFRESH_TOKEN_TTL_SECONDS } from './config';

/** Codes and refresh tokens we issue are 43 characters; anything much longer is not ours. */
const MAX_TOKEN_LENGTH = 200;

export type CodeRow = typeof oauthCodes.$inferSelect;
export type RefreshRow = typeof oauthRefreshTokens.$inferSelect;

export interface CodeInput {
  clientId: string;
  userId: string;
  redirectUri: string;
  codeChallenge: string | null;
  scope: string;
  nonce: string | null;
  authTime: number;
  amr: string[];
  /** The identity source's slug, or null for edge-sso's own login. */
  source: string | null;
}

/** Issues a code and the grant it starts; returns the code (only its hash is stored). */
export async function issueCode(db: Database, input: CodeInput, now: number): Promise<string> {
  const code = randomToken(32);
  const grantId = randomToken(16);
  await db.batch([
    db.insert(oauthGrants).values({ id: grantId, clientId: input.clientId, userId: input.userId, scope: input.scope, createdAt: now, expiresAt: now + CODE_TTL_SECONDS }),
    db.insert(oauthCodes).values({ ...input, codeHash: await sha256Hex(code), grantId, expiresAt: now + CODE_TTL_SECONDS }),
  ]);
  return code;
}

/** The grant's user and whether they have a second factor, as read with the code or token (zero or one row). */
export type GrantUser = { user: UserRow; hasFactor: unknown };

export type Redemption = { kind: 'redeemed'; code: CodeRow; user: GrantUser[] } | { kind: 'reused' } | { kind: 'unknown' };

/**
 * Consumes a code exactly once, and reads its user in the same round trip (a batch is one
 * transaction: the read sees the code just consumed). A code presented again revokes its grant,
 * and with it every token issued from the first redemption (RFC 6749 §4.1.2, RFC 9700 §4.5).
 */
export async function redeemCode(db: Database, code: string, now: number): Promise<Redemption> {
  if (code.length > MAX_TOKEN_LENGTH) return { kind: 'unknown' };
  const codeHash = await sha256Hex(code);
  const [[row], user] = await db.batch([
    db
      .update(oauthCodes)
      .set({ consumedAt: now })
      .where(and(eq(oauthCodes.codeHash, codeHash), isNull(oauthCodes.consumedAt)))
      .returning(),
    db
      .select({ user: users, hasFactor: hasFactorSql })
      .from(users)
      .where(sql`${users.id} = (select ${oauthCodes.userId} from ${oauthCodes} where ${oauthCodes.codeHash} = ${codeHash})`)
      .limit(1),
  ]);
  if (row) return { kind: 'redeemed', code: row, user };
  const [used] = await db.select({ grantId: oauthCodes.grantId }).from(oauthCodes).where(eq(oauthCodes.codeHash, codeHash)).limit(1);
  if (!used) return { kind: 'unknown' };
  await revokeGrant(db, used.grantId, now);
  return { kind: 'reused' };
}

export interface RefreshInput {
  grantId: string;
  clientId: string;
  userId: string;
  scope: string;
  authTime: number;
  amr: string[];
  /** The identity source's slug, or null for edge-sso's own login. */
  source: string | null;
}

/**
 * Records what a grant issues: it lives until its last token expires, with a new refresh token
 * when `refresh` is given. Returns the refresh token, or null when none was asked for; throws
 * GrantRevoked if the grant was revoked meanwhile (a concurrent code replay or refresh reuse).
 */
export async function extendGrant(db: Database, grantId: string, refresh: RefreshInput | null, now: number): Promise<string | null> {
  const token = refresh ? randomToken(32) : null;
  const expiresAt = now + (refresh ? REFRESH_TOKEN_TTL_SECONDS : ACCESS_TOKEN_TTL_SECONDS);
  const extend = db
    .update(oauthGrants)
    .set({ expiresAt: sql`max(${oauthGrants.expiresAt}, ${expiresAt})` })
    .where(and(eq(oauthGrants.id, grantId), isNull(oauthGrants.revokedAt)))
    .returning({ id: oauthGrants.id });
  const [extended] = refresh
    ? await db.batch([extend, db.insert(oauthRefreshTokens).values({ ...refresh, tokenHash: await sha256Hex(token!), createdAt: now, expiresAt })])
    : [await extend];
  if (extended.length === 0) throw new GrantRevoked();
  return token;
}

export class GrantRevoked extends Error {
  constructor() {
    super('the grant was revoked');
  }
}

export type Rotation = { kind: 'rotated'; token: RefreshRow; user: GrantUser[] } | { kind: 'replayed' } | { kind: 'invalid' };

/**
 * Consumes a refresh token for `clientId` exactly once, and reads its user in the same round
 * trip. A rotated token presented again means two parties hold it: the whole family (grant) is
 * revoked (reuse detection, RFC 9700 §4.14.2).
 */
export async function consumeRefreshToken(db: Database, token: string, clientId: string, now: number): Promise<Rotation> {
  if (token.length > MAX_TOKEN_LENGTH) return { kind: 'invalid' };
  const tokenHash = await sha256Hex(token);
  const [[row], user] = await db.batch([
    db
      .update(oauthRefreshTokens)
      .set({ rotatedAt: now })
      .where(
        and(
          eq(oauthRefreshTokens.tokenHash, tokenHash),
          eq(oauthRefreshTokens.clientId, clientId),
          isNull(oauthRefreshTokens.rotatedAt),
          gt(oauthRefreshTokens.expiresAt, now),
          sql`${oauthRefreshTokens.grantId} IN (SELECT ${oauthGrants.id} FROM ${oauthGrants} WHERE ${oauthGrants.revokedAt} IS NULL)`,
        ),
      )
      .returning(),
    db
      .select({ user: users, hasFactor: hasFactorSql })
      .from(users)
      .where(sql`${users.id} = (select ${oauthRefreshTokens.userId} from ${oauthRefreshTokens} where ${oauthRefreshTokens.tokenHash} = ${tokenHash})`)
      .limit(1),
  ]);
  if (row) return { kind: 'rotated', token: row, user };
  const [seen] = await db
    .select({ grantId: oauthRefreshTokens.grantId, rotatedAt: oauthRefreshTokens.rotatedAt })
    .from(oauthRefreshTokens)
    .where(eq(oauthRefreshTokens.tokenHash, tokenHash))
    .limit(1);
  if (seen?.rotatedAt != null) {
    await revokeGrant(db, seen.grantId, now);
    return { kind: 'replayed' };
  }
  return { kind: 'invalid' };
}

/** A live refresh token (not rotated, not expired, grant not revoked), for introspection and revocation. */
export async function findRefreshToken(db: Database, token: string, now: number): Promise<RefreshRow | null> {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  const [row] = await db
    .select({ token: oauthRefreshTokens })
    .from(oauthRefreshTokens)
    .innerJoin(oauthGrants, eq(oauthGrants.id, oauthRefreshTokens.grantId))
    .where(and(eq(oauthRefreshTokens.tokenHash, await sha256Hex(token)), isNull(oauthRefreshTokens.rotatedAt), gt(oauthRefreshTokens.expiresAt, now), isNull(oauthGrants.revokedAt)))
    .limit(1);
  return row?.token ?? null;
}

export async function revokeGrant(db: Database, grantId: string, now: number): Promise<void> {
  await db.update(oauthGrants).set({ revokedAt: now }).where(and(eq(oauthGrants.id, grantId), isNull(oauthGrants.revokedAt)));
}


/** Revokes one access token (RFC 7009) until it would have expired anyway. */
export async function revokeAccessToken(db: Database, jti: string, expiresAt: number): Promise<void> {
  await db.insert(oauthRevokedJtis).values({ jti, expiresAt }).onConflictDoNothing();
}

/**
 * The user an access token speaks for, if the token is still honoured: its grant is live (not
 * revoked, not pruned), the token itself was not revoked, and the user exists and is enabled.
 */
export async function accessTokenUser(db: Database, claims: { grantId: string; jti: string; sub: string }): Promise<UserRow | null> {
  const [grant, revoked, user] = await db.batch([
    db.select({ revokedAt: oauthGrants.revokedAt, userId: oauthGrants.userId }).from(oauthGrants).where(eq(oauthGrants.id, claims.grantId)).limit(1),
    db.select({ jti: oauthRevokedJtis.jti }).from(oauthRevokedJtis).where(eq(oauthRevokedJtis.jti, claims.jti)).limit(1),
    db.select().from(users).where(eq(users.id, claims.sub)).limit(1),
  ]);
  const live = grant[0] && grant[0].revokedAt === null && grant[0].userId === claims.sub && revoked.length === 0;
  return live && user[0] && !user[0].disabled ? user[0] : null;
}

/**
 * Deletes what can no longer be used: grants whose last token has expired (their codes and
 * refresh tokens go with them), expired refresh tokens, codes past their retention, and
 * revoked access-token ids past the token's expiry. For the maintenance Cron Trigger.
 */
export async function pruneOidc(db: Database, now: number): Promise<number> {
  const results = await db.batch([
    db.delete(oauthGrants).where(lte(oauthGrants.expiresAt, now)),
    db.delete(oauthRefreshTokens).where(lte(oauthRefreshTokens.expiresAt, now)),
    db.delete(oauthCodes).where(or(lte(oauthCodes.expiresAt, now - CODE_RETENTION_SECONDS))),
    db.delete(oauthRevokedJtis).where(lte(oauthRevokedJtis.expiresAt, now)),
  ]);
  return results.reduce((removed, result) => removed + ((result as D1Result).meta?.changes ?? 0), 0);
}

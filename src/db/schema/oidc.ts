import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { apps, users } from './core';

// --- OpenID Connect (src/oidc/). Token values are never stored, only their SHA-256. -----------

/**
 * A grant: one user's sign-in to one client through one authorization code, and everything issued
 * from it (the refresh token family and the access tokens, whose `jti` starts with the grant id).
 * Revoking the grant revokes all of them: code reuse, refresh replay, password change, disable.
 */
export const oauthGrants = sqliteTable(
  'oauth_grants',
  {
    id: text('id').primaryKey(),
    clientId: text('client_id')
      .notNull()
      .references(() => apps.clientId, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    scope: text('scope').notNull(),
    createdAt: integer('created_at').notNull(),
    /** No token issued from the grant outlives this; pruned after it. */
    expiresAt: integer('expires_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('oauth_grants_user').on(t.userId), index('oauth_grants_expires').on(t.expiresAt)],
);

/** Authorization codes: single use (consumed atomically), bound to client, redirect URI and PKCE challenge. */
export const oauthCodes = sqliteTable(
  'oauth_codes',
  {
    codeHash: text('code_hash').primaryKey(),
    grantId: text('grant_id')
      .notNull()
      .references(() => oauthGrants.id, { onDelete: 'cascade' }),
    clientId: text('client_id').notNull(),
    userId: text('user_id').notNull(),
    redirectUri: text('redirect_uri').notNull(),
    /** The S256 code_challenge, or null when a confidential client sent none. */
    codeChallenge: text('code_challenge'),
    scope: text('scope').notNull(),
    nonce: text('nonce'),
    authTime: integer('auth_time').notNull(),
    amr: text('amr', { mode: 'json' }).$type<string[]>().notNull(),
    /** The identity source's slug when the session came from one (the ID token's `idp`), else null. */
    source: text('source'),
    expiresAt: integer('expires_at').notNull(),
    consumedAt: integer('consumed_at'),
  },
  (t) => [index('oauth_codes_expires').on(t.expiresAt)],
);

/** Refresh tokens: each use rotates it (consumed atomically); presenting a rotated one revokes its grant. */
export const oauthRefreshTokens = sqliteTable(
  'oauth_refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    /** The token family. */
    grantId: text('grant_id')
      .notNull()
      .references(() => oauthGrants.id, { onDelete: 'cascade' }),
    clientId: text('client_id').notNull(),
    userId: text('user_id').notNull(),
    scope: text('scope').notNull(),
    authTime: integer('auth_time').notNull(),
    amr: text('amr', { mode: 'json' }).$type<string[]>().notNull(),
    /** Carried from the code through every rotation, so refreshed ID tokens keep their `idp`. */
    source: text('source'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    /** Set when the token was exchanged for its successor. */
    rotatedAt: integer('rotated_at'),
  },
  (t) => [index('oauth_refresh_tokens_grant').on(t.grantId), index('oauth_refresh_tokens_expires').on(t.expiresAt)],
);

/** Access tokens revoked one by one (RFC 7009), kept until they would have expired anyway. */
export const oauthRevokedJtis = sqliteTable(
  'oauth_revoked_jtis',
  {
    jti: text('jti').primaryKey(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('oauth_revoked_jtis_expires').on(t.expiresAt)],
);

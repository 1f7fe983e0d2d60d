import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { identitySources, users } from './core';

// --- SCIM 2.0 provisioning (src/scim/). Tokens are never stored, only their SHA-256. ------------

/**
 * Bearer tokens SCIM clients (Entra ID, Okta) present at /scim/v2. Deleting the row revokes the
 * token. `identity_source` pairs the token with the source the same people sign in through, so a
 * provisioned user's externalId can link them to it (src/scim/linking.ts).
 */
export const scimTokens = sqliteTable(
  'scim_tokens',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** SHA-256 (hex) of the token. */
    tokenHash: text('token_hash').notNull(),
    identitySource: text('identity_source').references(() => identitySources.slug, { onDelete: 'set null' }),
    createdAt: integer('created_at').notNull(),
    /** Written at most once a minute per token (after the response), null until first used. */
    lastUsedAt: integer('last_used_at'),
  },
  (t) => [uniqueIndex('scim_tokens_hash').on(t.tokenHash)],
);

/**
 * What SCIM knows about a user beyond the user store: the client's userName as it was sent, its
 * externalId, and the attributes edge-sso keeps without using (emails, phone numbers, title, the
 * enterprise extension). Written by the SCIM routes; ends with its user.
 */
export const scimUsers = sqliteTable(
  'scim_users',
  {
    userId: text('user_id')
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    userName: text('user_name').notNull(),
    externalId: text('external_id'),
    /** The other SCIM attributes, as the client last sent them (at most 16 KiB of JSON). */
    attributes: text('attributes', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
    /** The token that last wrote it, for the console (null once that token is revoked). */
    tokenId: text('token_id').references(() => scimTokens.id, { onDelete: 'set null' }),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('scim_users_external_id').on(t.externalId)],
);

/**
 * Groups that exist as resources of their own: pushed by SCIM (`origin` scim), or first seen in an
 * identity source's sign-in (`origin` source, `source` its slug). Membership is the users' `groups`
 * lists, which name the group; a group only set by hand on users has no row.
 */
export const groups = sqliteTable(
  'groups',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    origin: text('origin').$type<'scim' | 'source'>().notNull(),
    source: text('source'),
    externalId: text('external_id'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('groups_name').on(t.name)],
);

export type ScimTokenRow = typeof scimTokens.$inferSelect;
export type ScimUserRow = typeof scimUsers.$inferSelect;
export type GroupRow = typeof groups.$inferSelect;

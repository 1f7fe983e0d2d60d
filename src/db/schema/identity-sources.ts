// Identity sources (src/federation/): the accounts linked through them, and SAML replay records.
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { identitySources, users } from './core';

export const userIdentities = sqliteTable(
  'user_identities',
  {
    source: text('source')
      .notNull()
      .references(() => identitySources.slug, { onDelete: 'cascade' }),
    subject: text('subject').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The upstream email at the last sign-in, for the console. */
    email: text('email').notNull().default(''),
    /**
     * Whether the link rests on proof of the address: a verified upstream email, an invitation or
     * an admin. A link made by creating an account from an unverified upstream email is not, and
     * ends when the address's owner proves it (invitation accepted, password reset): src/federation/claims.ts.
     */
    proven: integer('proven', { mode: 'boolean' }).notNull().default(true),
    createdAt: integer('created_at').notNull(),
    lastSignInAt: integer('last_sign_in_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.source, t.subject] }), index('user_identities_user').on(t.userId)],
);

export type UserIdentityRow = typeof userIdentities.$inferSelect;

// --- SAML identity sources (src/federation/saml/). -------------------------------------------

/**
 * Assertion IDs accepted from a SAML identity source, each once: the ACS inserts the ID before
 * it signs anyone in (a conflict is a replay), and the row lives until the assertion could no
 * longer be accepted anyway (at most MAX_AGE_SECONDS plus skew after it was issued).
 */
export const samlAssertionsSeen = sqliteTable(
  'saml_assertions_seen',
  {
    source: text('source').notNull(),
    assertionId: text('assertion_id').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.source, t.assertionId] }), index('saml_assertions_seen_expires').on(t.expiresAt)],
);

import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './core';

// --- Onboarding (src/onboarding/). Link tokens are never stored, only their SHA-256. ----------

/** invite: set a first password; verify: finish a self sign-up; reset: a new password; email-change: confirm a new address; approval: a verified sign-up waiting for an admin. */
export type OneTimeLinkPurpose = 'invite' | 'verify' | 'reset' | 'email-change' | 'email-change-cancel' | 'approval';

/**
 * One-time links sent by email. Single use: consumed atomically (`UPDATE … WHERE consumed_at IS
 * NULL AND expires_at > now RETURNING`). Pruned by the daily cron once expired or consumed.
 */
export const oneTimeLinks = sqliteTable(
  'one_time_links',
  {
    /** SHA-256 (hex) of the token in the link. */
    hash: text('hash').primaryKey(),
    purpose: text('purpose').$type<OneTimeLinkPurpose>().notNull(),
    /** The account it acts on; null for a sign-up, whose account is created only when verified. */
    userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
    /** The address the link was sent to (lower case). */
    email: text('email').notNull(),
    /** Purpose-specific data: a sign-up's name and password hash, an email change's new address, an invite's app. */
    data: text('data', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    consumedAt: integer('consumed_at'),
  },
  (t) => [
    index('one_time_links_expires').on(t.expiresAt),
    index('one_time_links_user').on(t.userId, t.purpose),
    index('one_time_links_email').on(t.email, t.purpose),
  ],
);

/**
 * Fixed-window counters for onboarding requests anonymous people can make (sign-up, forgot
 * password): `<action>:ip:<address>` and `<action>:email:<address>`. A row lives until its window
 * ends; the daily cron deletes ended windows.
 */
export const onboardingRateLimits = sqliteTable(
  'onboarding_rate_limits',
  {
    key: text('key').primaryKey(),
    count: integer('count').notNull(),
    windowEndsAt: integer('window_ends_at').notNull(),
  },
  (t) => [index('onboarding_rate_limits_window').on(t.windowEndsAt)],
);

export type OneTimeLinkRow = typeof oneTimeLinks.$inferSelect;

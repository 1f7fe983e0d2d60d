import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './core';

// --- Multi-factor sign-in (src/mfa/). -------------------------------------------------------

/**
 * A user's TOTP authenticator (RFC 6238). The secret is AES-GCM encrypted (additional data
 * `totp:<user id>`). `confirmed_at` is null until the user typed a first code; `last_step` is the
 * last time step accepted, raised atomically so a code works once.
 */
export const mfaTotp = sqliteTable('mfa_totp', {
  userId: text('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  secretEncrypted: text('secret_encrypted').notNull(),
  lastStep: integer('last_step').notNull().default(0),
  createdAt: integer('created_at').notNull(),
  confirmedAt: integer('confirmed_at'),
});

/** WebAuthn credentials (passkeys and security keys). */
export const webauthnCredentials = sqliteTable(
  'webauthn_credentials',
  {
    /** The credential id, base64url. */
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The COSE public key, base64url. */
    publicKey: text('public_key').notNull(),
    counter: integer('counter').notNull().default(0),
    transports: text('transports', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    /** singleDevice or multiDevice (a synced passkey). */
    deviceType: text('device_type').notNull(),
    backedUp: integer('backed_up', { mode: 'boolean' }).notNull().default(false),
    name: text('name').notNull().default(''),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
  },
  (t) => [index('webauthn_credentials_user').on(t.userId)],
);

/** Recovery codes: SHA-256 of each code (random, 50 bits), single use (`used_at`, set atomically). */
export const recoveryCodes = sqliteTable(
  'recovery_codes',
  {
    codeHash: text('code_hash').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
    usedAt: integer('used_at'),
  },
  (t) => [index('recovery_codes_user').on(t.userId)],
);

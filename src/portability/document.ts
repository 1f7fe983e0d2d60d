// The export document (version 2): one JSON object with the deployment's configuration and users,
// table by table, as rows named like the drizzle schema (camelCase). Every table of the schema is
// either in TABLES or in LEFT_OUT with the reason (test/portability/tables.test.ts holds both
// lists to the schema, so a new table cannot be forgotten). Every secret (app secrets, private
// keys, source secrets, TOTP secrets, password hashes, recovery-code hashes, SCIM token hashes,
// SAML pseudonym keys) is sealed with the passphrase's sealing key (./passphrase.ts), bound to
// its record; the rest is readable, so an export can be inspected, but not changeable: `mac`
// authenticates everything else in the document (see ExportDocument.mac), and an import checks it
// before it reads anything else.
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import {
  appRedirectUris,
  apps,
  brandingImages,
  groups,
  identitySources,
  mfaTotp,
  recoveryCodes,
  samlApps,
  scimTokens,
  scimUsers,
  settings,
  signingKeys,
  userIdentities,
  users,
  webauthnCredentials,
} from '../db/schema';
import { SEALED_COLUMNS } from '../encryption/sealed-columns';
import type { Argon2Params } from '../users/argon2';

export const FORMAT = 'edge-sso-export';
/** An import carries every user and app: far more than a form's or the API's usual body. */
export const MAX_IMPORT_BYTES = 50 * 1024 * 1024;
/**
 * 2: the whole document is authenticated (`mac`). Version 1 authenticated only the secrets, so a
 * version-1 file could have been changed (an admin added, a redirect URL swapped) without the
 * passphrase: it is refused, not read (accepting it would let anyone strip the MAC and say "1").
 */
export const VERSION = 2;

/** The exported tables, in an order that satisfies the foreign keys on import. */
export const TABLES = {
  settings,
  branding_images: brandingImages,
  identity_sources: identitySources,
  signing_keys: signingKeys,
  users,
  groups,
  apps,
  app_redirect_uris: appRedirectUris,
  saml_apps: samlApps,
  user_identities: userIdentities,
  mfa_totp: mfaTotp,
  webauthn_credentials: webauthnCredentials,
  recovery_codes: recoveryCodes,
  scim_tokens: scimTokens,
  scim_users: scimUsers,
} as const satisfies Record<string, SQLiteTable>;
export type TableName = keyof typeof TABLES;

/**
 * The tables an export deliberately leaves out, and why: what lives only as long as a sign-in or
 * a link, what counts attempts against this deployment, and this deployment's own history. After
 * a move users sign in again; nothing here is needed for that.
 */
export const LEFT_OUT: Record<string, string> = {
  audit_events: "this deployment's history: it can be large and stays here (the console's Audit page exports it as CSV; D1 Time Travel restores it)",
  daily_counts: "this deployment's sign-in figures, pruned with the audit log they count; the new deployment counts its own",
  user_sessions: 'sessions live in KV under cookies of this origin; people sign in again on the new deployment',
  session_apps: 'which apps a session signed in to: ends with its session',
  oauth_grants: 'OIDC grants are live credentials of sessions that do not move; apps get new ones at the next sign-in',
  oauth_codes: 'single-use authorization codes that live a minute',
  oauth_refresh_tokens: 'live credentials: carried over they could be used on both deployments; apps get new ones at the next sign-in',
  oauth_revoked_jtis: 'revoked access tokens, kept only until they expire (minutes to hours)',
  one_time_links: 'single-use emailed links: carried over, one link could be used once on each deployment',
  onboarding_rate_limits: 'throttling windows of anonymous requests, forgotten within the hour',
  login_throttle: 'failed sign-in counters and lockouts against this deployment, forgotten within hours',
  saml_assertions_seen: 'the replay cache of SAML assertions, each kept only for minutes',
};

export type Row = Record<string, unknown>;

export interface ExportDocument {
  format: typeof FORMAT;
  version: typeof VERSION;
  exported_at: string;
  encryption: { kdf: 'argon2id'; params: Argon2Params; salt: string; cipher: 'A256GCM'; mac: 'HS256' };
  tables: Record<TableName, Row[]>;
  /**
   * HMAC-SHA-256, base64url, under the passphrase's MAC key, of the document without this field,
   * serialized as canonical JSON (RFC 8785: keys sorted, no whitespace): src/lib/canonical-json.ts.
   */
  mac: string;
}

/**
 * A secret field of an exported row: sealed with the passphrase key under `purpose(row)`.
 * `atRest`: the column is sealed under the KEK in D1 too (src/encryption/sealed-columns.ts), so
 * export opens it with the keyring and import seals it again under the target's KEK.
 */
export interface SecretField {
  table: TableName;
  field: string;
  /** The D1 purpose of a column sealed at rest; null for a hash kept in clear in D1. */
  atRest: ((key: string) => string) | null;
  keyField: string;
  purpose(row: Row): string;
}

const propertyOf = (table: SQLiteTable, column: SQLiteColumn) =>
  Object.entries(table as unknown as Record<string, unknown>).find(([, c]) => c === column)![0];
const tableNameOf = (table: SQLiteTable) => (Object.entries(TABLES) as [TableName, SQLiteTable][]).find(([, t]) => t === table)![0];

export const SECRET_FIELDS: SecretField[] = [
  ...SEALED_COLUMNS.map((column) => {
    const table = tableNameOf(column.table);
    const field = propertyOf(column.table, column.sealed);
    const keyField = propertyOf(column.table, column.key);
    return { table, field, atRest: column.purpose, keyField, purpose: (row: Row) => `${table}.${field}:${String(row[keyField])}` };
  }),
  { table: 'users', field: 'passwordHash', atRest: null, keyField: 'id', purpose: (row) => `users.passwordHash:${String(row.id)}` },
  { table: 'recovery_codes', field: 'codeHash', atRest: null, keyField: 'userId', purpose: (row) => `recovery_codes.codeHash:${String(row.userId)}` },
  // A SCIM token is 256 random bits, so its hash is no dictionary target; sealed anyway, as every credential.
  { table: 'scim_tokens', field: 'tokenHash', atRest: null, keyField: 'id', purpose: (row) => `scim_tokens.tokenHash:${String(row.id)}` },
  // Kept in clear in D1: it makes the app's persistent NameIDs, which must stay the same after a move.
  { table: 'saml_apps', field: 'pseudonymKey', atRest: null, keyField: 'clientId', purpose: (row) => `saml_apps.pseudonymKey:${String(row.clientId)}` },
];

/** How many rows of each table a document holds, for the audit trail. */
export function tableCounts(tables: Record<string, Row[]>): Record<string, number> {
  return Object.fromEntries(Object.entries(tables).map(([name, rows]) => [name, rows.length]));
}

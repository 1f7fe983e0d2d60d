// The export document (version 1): one JSON object with the deployment's configuration and users,
// table by table, as rows named like the drizzle schema (camelCase). Sessions, OIDC grants,
// throttling and the audit log are left out. Every secret (app secrets, private keys, source
// secrets, TOTP secrets, password hashes, recovery-code hashes) is sealed with the passphrase key
// (./passphrase.ts), bound to its record; the rest is readable, so an export can be inspected.
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import {
  appRedirectUris,
  apps,
  brandingImages,
  identitySources,
  mfaTotp,
  recoveryCodes,
  settings,
  signingKeys,
  userIdentities,
  users,
  webauthnCredentials,
} from '../db/schema';
import { SEALED_COLUMNS } from '../encryption/sealed-columns';
import type { Argon2Params } from '../users/argon2';

export const FORMAT = 'edge-sso-export';
export const VERSION = 1;
/** Sealed with the passphrase key: opening it proves the passphrase before anything is written. */
export const CHECK_TEXT = 'edge-sso export passphrase check';

/** The exported tables, in an order that satisfies the foreign keys on import. */
export const TABLES = {
  settings,
  branding_images: brandingImages,
  identity_sources: identitySources,
  signing_keys: signingKeys,
  users,
  apps,
  app_redirect_uris: appRedirectUris,
  user_identities: userIdentities,
  mfa_totp: mfaTotp,
  webauthn_credentials: webauthnCredentials,
  recovery_codes: recoveryCodes,
} as const satisfies Record<string, SQLiteTable>;
export type TableName = keyof typeof TABLES;

export type Row = Record<string, unknown>;

export interface ExportDocument {
  format: typeof FORMAT;
  version: typeof VERSION;
  exported_at: string;
  encryption: { kdf: 'argon2id'; params: Argon2Params; salt: string; cipher: 'A256GCM'; check: string };
  tables: Record<TableName, Row[]>;
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
];

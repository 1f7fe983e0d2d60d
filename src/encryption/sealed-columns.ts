// Every column that holds a value sealed at rest under the key-encryption key (src/lib/secret-box.ts),
// with the row key that names it and the purpose it is bound to. A new sealed column is added
// here, or a KEK rotation would leave it behind (test/encryption/reencrypt.test.ts lists the schema's).
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { currentPurpose, previousPurpose } from '../apps/secrets';
import { apps, identitySources, mfaTotp, signingKeys } from '../db/schema';
import { secretPurpose as sourcePurpose } from '../federation/store';
import { purpose as totpPurpose } from '../mfa/totp-store';
import { purpose as signingKeyPurpose } from '../tokens/keys';

export interface SealedColumn {
  /** Names the column in reports: "<table>.<column>". */
  name: string;
  table: SQLiteTable;
  key: SQLiteColumn;
  sealed: SQLiteColumn;
  purpose(key: string): string;
}

export const SEALED_COLUMNS: readonly SealedColumn[] = [
  { name: 'apps.secret_encrypted', table: apps, key: apps.clientId, sealed: apps.secretEncrypted, purpose: currentPurpose },
  { name: 'apps.previous_secret_encrypted', table: apps, key: apps.clientId, sealed: apps.previousSecretEncrypted, purpose: previousPurpose },
  { name: 'signing_keys.private_jwk_encrypted', table: signingKeys, key: signingKeys.kid, sealed: signingKeys.privateJwkEncrypted, purpose: signingKeyPurpose },
  { name: 'identity_sources.secrets_encrypted', table: identitySources, key: identitySources.slug, sealed: identitySources.secretsEncrypted, purpose: sourcePurpose },
  { name: 'mfa_totp.secret_encrypted', table: mfaTotp, key: mfaTotp.userId, sealed: mfaTotp.secretEncrypted, purpose: totpPurpose },
];

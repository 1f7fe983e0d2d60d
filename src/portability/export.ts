// Builds the export document (./document.ts): every table read whole, every secret opened with
// the keyring and sealed again with a key derived from the admin's passphrase, then the whole
// document authenticated with the MAC key derived from the same passphrase.
import type { Database } from '../db/client';
import { base64url } from '../lib/encoding';
import { open, type Keyring } from '../lib/secret-box';
import { FORMAT, SECRET_FIELDS, TABLES, VERSION, type ExportDocument, type Row, type TableName } from './document';
import { documentMac, EXPORT_KDF, passphraseKeys, sealFor } from './passphrase';

export async function exportDeployment(db: Database, ring: Keyring, passphrase: string): Promise<ExportDocument> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const keys = await passphraseKeys(passphrase, salt, EXPORT_KDF);
  const names = Object.keys(TABLES) as TableName[];
  const results = (await db.batch(names.map((name) => db.select().from(TABLES[name])) as never)) as Row[][];
  const tables = Object.fromEntries(names.map((name, i) => [name, results[i]!])) as Record<TableName, Row[]>;
  for (const secret of SECRET_FIELDS) {
    for (const row of tables[secret.table]) {
      const value = row[secret.field];
      if (typeof value !== 'string') continue; // null: no previous secret, no password
      const plain = secret.atRest ? await open(ring, value, secret.atRest(String(row[secret.keyField]))) : value;
      row[secret.field] = await sealFor(keys.seal, plain, secret.purpose(row));
    }
  }
  const unsigned: Omit<ExportDocument, 'mac'> = {
    format: FORMAT,
    version: VERSION,
    exported_at: new Date().toISOString(),
    encryption: { kdf: 'argon2id', params: EXPORT_KDF, salt: base64url(salt), cipher: 'A256GCM', mac: 'HS256' },
    tables,
  };
  return { ...unsigned, mac: await documentMac(keys.mac, unsigned) };
}

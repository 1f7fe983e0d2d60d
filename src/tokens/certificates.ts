// The certificates of the RS256 keys, as SAML wants them: every published key (next, active,
// retiring) in the metadata, and the active key's in each signature's KeyInfo.
import { and, asc, eq } from 'drizzle-orm';
import { database } from '../db/client';
import { signingKeys, type KeyState } from '../db/schema';
import { settingsFrom, type Bindings } from '../env';
import { TtlCache } from '../lib/ttl-cache';
import { activeSigningKey, ensureSigningKeys, openPrivateKey, publishedKeys } from './keys';
import { importJWK, type JWK } from 'jose';
import { base64, selfSignedCertificate } from './x509';

export interface PublishedCertificate {
  kid: string;
  state: KeyState;
  /** The DER certificate, base64 (as ds:X509Certificate holds it). */
  certificate: string;
}

/** Certificates by kid: a key's certificate never changes (see ./x509.ts), so it is kept for the isolate's life. */
const byKid = new Map<string, Promise<string>>();
const published = new TtlCache<'rs256', Promise<PublishedCertificate[]>>();

type KeyRow = typeof signingKeys.$inferSelect;

function certificateOf(kek: string, row: KeyRow): Promise<string> {
  let cert = byKid.get(row.kid);
  if (!cert) {
    cert = (async () => {
      const [publicKey, privateKey] = await Promise.all([importJWK(row.publicJwk as JWK, 'RS256') as Promise<CryptoKey>, openPrivateKey(kek, row)]);
      return base64(await selfSignedCertificate({ kid: row.kid, createdAt: row.createdAt, publicKey, privateKey }));
    })();
    cert.catch(() => byKid.delete(row.kid));
    byKid.set(row.kid, cert);
  }
  return cert;
}

/** The certificates of the published RS256 keys, oldest first. */
export function publishedCertificates(env: Bindings): Promise<PublishedCertificate[]> {
  return TtlCache.load(published, 'rs256', settingsFrom(env).configCacheSeconds, async () => {
    const db = database(env.DB);
    await ensureSigningKeys(db, env.KEY_ENCRYPTION_KEY);
    const rows = await db.select().from(signingKeys).where(and(eq(signingKeys.alg, 'RS256'), publishedKeys())).orderBy(asc(signingKeys.createdAt));
    return Promise.all(rows.map(async (row) => ({ kid: row.kid, state: row.state, certificate: await certificateOf(env.KEY_ENCRYPTION_KEY, row) })));
  });
}

export interface SamlSigningKey {
  privateKey: CryptoKey;
  /** The key's certificate, base64, for the signature's KeyInfo. */
  certificate: string;
}

/** The active RS256 key with its certificate: what signs assertions now. */
export async function samlSigningKey(env: Bindings): Promise<SamlSigningKey> {
  const key = await activeSigningKey(env, 'RS256');
  let cert = byKid.get(key.kid);
  if (!cert) {
    const [row] = await database(env.DB).select().from(signingKeys).where(eq(signingKeys.kid, key.kid)).limit(1);
    if (!row) throw new Error(`active key ${key.kid} is not stored`);
    cert = certificateOf(env.KEY_ENCRYPTION_KEY, row);
  }
  return { privateKey: key.privateKey, certificate: await cert };
}

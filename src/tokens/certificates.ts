// The certificates of the RS256 keys, as SAML wants them: every key the JWKS publishes (next,
// active, retiring) in the IdP metadata, so the metadata rotates exactly as the JWKS does, and
// the active key's in each signature's KeyInfo.
import { eq } from 'drizzle-orm';
import { importJWK, type JWK } from 'jose';
import { database } from '../db/client';
import { signingKeys } from '../db/schema';
import type { Bindings } from '../env';
import { activeSigningKey, openPrivateKey, publicJwks } from './keys';
import { base64, selfSignedCertificate } from './x509';
import { keyring } from '../lib/secret-box';

export interface PublishedCertificate {
  kid: string;
  /** The DER certificate, base64 (as ds:X509Certificate holds it). */
  certificate: string;
}

/** Certificates by kid: a key's certificate never changes (see ./x509.ts), so it is kept for the isolate's life. */
const byKid = new Map<string, Promise<string>>();

function certificateFor(env: Bindings, kid: string): Promise<string> {
  let cert = byKid.get(kid);
  if (!cert) {
    cert = (async () => {
      const [row] = await database(env.DB).select().from(signingKeys).where(eq(signingKeys.kid, kid)).limit(1);
      if (!row || row.alg !== 'RS256') throw new Error(`no RS256 key ${kid}`);
      const [publicKey, privateKey] = await Promise.all([importJWK(row.publicJwk as JWK, 'RS256') as Promise<CryptoKey>, openPrivateKey(keyring(env), row)]);
      return base64(await selfSignedCertificate({ kid: row.kid, createdAt: row.createdAt, publicKey, privateKey }));
    })();
    cert.catch(() => byKid.delete(kid));
    byKid.set(kid, cert);
  }
  return cert;
}

/** The certificates of the RS256 keys the JWKS publishes, in its order (oldest first). */
export async function publishedCertificates(env: Bindings): Promise<PublishedCertificate[]> {
  const { keys } = await publicJwks(env);
  const rsa = keys.filter((key) => key.alg === 'RS256' && typeof key.kid === 'string');
  return Promise.all(rsa.map(async (key) => ({ kid: key.kid!, certificate: await certificateFor(env, key.kid!) })));
}

export interface SamlSigningKey {
  privateKey: CryptoKey;
  /** The key's certificate, base64, for the signature's KeyInfo. */
  certificate: string;
}

/** The active RS256 key with its certificate: what signs assertions now. */
export async function samlSigningKey(env: Bindings): Promise<SamlSigningKey> {
  const key = await activeSigningKey(env, 'RS256');
  return { privateKey: key.privateKey, certificate: await certificateFor(env, key.kid) };
}

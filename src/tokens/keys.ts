// The issuer's asymmetric signing keys (RS256, ES256): created on first use, private halves
// AES-GCM encrypted in D1, public halves published in the JWKS. Cached in the isolate for
// CONFIG_CACHE_SECONDS so the hot path signs without a D1 query.
import { and, eq, inArray } from 'drizzle-orm';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { database, type Database } from '../db/client';
import { signingKeys, type SigningAlg } from '../db/schema';
import { settingsFrom, type Bindings } from '../env';
import { open, seal } from '../lib/secret-box';
import { nowSeconds } from '../lib/time';
import { TtlCache } from '../lib/ttl-cache';

export type AsymmetricAlg = Exclude<SigningAlg, 'HS256'>;
export const ASYMMETRIC_ALGS: readonly AsymmetricAlg[] = ['RS256', 'ES256'];

export interface ActiveKey {
  kid: string;
  alg: AsymmetricAlg;
  privateKey: CryptoKey;
}

const activeKeys = new TtlCache<AsymmetricAlg, Promise<ActiveKey>>();
const jwksCache = new TtlCache<'jwks', Promise<{ keys: JWK[] }>>();
const purpose = (kid: string) => `signing-key:${kid}`;

async function generate(db: Database, kek: string, alg: AsymmetricAlg): Promise<void> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  await db
    .insert(signingKeys)
    .values({
      kid,
      alg,
      publicJwk: { ...publicJwk, kid, alg, use: 'sig' } as JsonWebKey,
      privateJwkEncrypted: await seal(kek, JSON.stringify(privateJwk), purpose(kid)),
      state: 'active',
      createdAt: nowSeconds(),
    })
    // Another isolate may have created the active key meanwhile: then that one is used.
    .onConflictDoNothing();
}

async function loadActiveKey(env: Bindings, alg: AsymmetricAlg): Promise<ActiveKey> {
  const db = database(env.DB);
  const find = () =>
    db.select().from(signingKeys).where(and(eq(signingKeys.alg, alg), eq(signingKeys.state, 'active'))).limit(1);
  let [row] = await find();
  if (!row) {
    await generate(db, env.KEY_ENCRYPTION_KEY, alg);
    jwksCache.clear();
    [row] = await find();
    if (!row) throw new Error(`no active ${alg} key after creating one`);
  }
  const privateJwk = JSON.parse(await open(env.KEY_ENCRYPTION_KEY, row.privateJwkEncrypted, purpose(row.kid))) as JWK;
  const privateKey = (await importJWK(privateJwk, alg)) as CryptoKey;
  return { kid: row.kid, alg, privateKey };
}

export function activeSigningKey(env: Bindings, alg: AsymmetricAlg): Promise<ActiveKey> {
  return TtlCache.load(activeKeys, alg, settingsFrom(env).configCacheSeconds, () => loadActiveKey(env, alg));
}

/** The public keys that verify tokens: active keys and retiring ones whose tokens may still be live. */
export function publicJwks(env: Bindings): Promise<{ keys: JWK[] }> {
  return TtlCache.load(jwksCache, 'jwks', settingsFrom(env).configCacheSeconds, async () => {
    const rows = await database(env.DB)
      .select({ publicJwk: signingKeys.publicJwk })
      .from(signingKeys)
      .where(inArray(signingKeys.state, ['active', 'retiring']))
      .orderBy(signingKeys.createdAt);
    return { keys: rows.map((r) => r.publicJwk as JWK) };
  });
}

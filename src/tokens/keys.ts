// The issuer's asymmetric signing keys (RS256, ES256): created on first use, private halves
// AES-GCM encrypted in D1, public halves published in the JWKS. Cached in the isolate for
// CONFIG_CACHE_SECONDS so the hot path signs without a D1 query.
import { and, desc, eq, gt, isNull, lte, or } from 'drizzle-orm';
import { calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair, importJWK, type JWK } from 'jose';
import { MAX_TOKEN_TTL_SECONDS } from '../apps/app';
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
      .where(
        or(
          eq(signingKeys.state, 'active'),
          and(eq(signingKeys.state, 'retiring'), or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, nowSeconds()))),
        ),
      )
      .orderBy(signingKeys.createdAt);
    return { keys: rows.map((r) => r.publicJwk as JWK) };
  });
}

export interface SigningKeyInfo {
  kid: string;
  alg: AsymmetricAlg;
  state: 'active' | 'retiring' | 'retired';
  createdAt: number;
  /** For retiring keys: when they leave the JWKS. For retired keys: when they left. */
  retiredAt: number | null;
}

/** Moves retiring keys whose last tokens have expired to retired. */
async function sweepRetiringKeys(db: Database): Promise<void> {
  await db
    .update(signingKeys)
    .set({ state: 'retired' })
    .where(and(eq(signingKeys.state, 'retiring'), lte(signingKeys.retiredAt, nowSeconds())));
}

export async function listSigningKeys(env: Bindings): Promise<SigningKeyInfo[]> {
  const db = database(env.DB);
  await sweepRetiringKeys(db);
  const rows = await db
    .select({ kid: signingKeys.kid, alg: signingKeys.alg, state: signingKeys.state, createdAt: signingKeys.createdAt, retiredAt: signingKeys.retiredAt })
    .from(signingKeys)
    .orderBy(signingKeys.alg, desc(signingKeys.createdAt));
  return rows;
}

/**
 * Makes a new key active for `alg`. The old one keeps verifying: it stays in the JWKS as
 * "retiring" until every token it signed has expired (the longest token lifetime allowed, plus
 * the time other isolates may still sign with it from their cache).
 */
export async function rotateSigningKey(env: Bindings, alg: AsymmetricAlg): Promise<string> {
  const db = database(env.DB);
  const publishFor = MAX_TOKEN_TTL_SECONDS + settingsFrom(env).configCacheSeconds;
  await db
    .update(signingKeys)
    .set({ state: 'retiring', retiredAt: nowSeconds() + publishFor })
    .where(and(eq(signingKeys.alg, alg), eq(signingKeys.state, 'active')));
  await generate(db, env.KEY_ENCRYPTION_KEY, alg);
  activeKeys.delete(alg);
  jwksCache.clear();
  return (await activeSigningKey(env, alg)).kid;
}

/** A key's public half as SPKI PEM, for apps whose libraries want PEM rather than a JWKS. */
export async function publicKeyPem(env: Bindings, kid: string): Promise<string | null> {
  const [row] = await database(env.DB).select().from(signingKeys).where(eq(signingKeys.kid, kid)).limit(1);
  if (!row) return null;
  const key = (await importJWK(row.publicJwk as JWK, row.alg, { extractable: true })) as CryptoKey;
  return exportSPKI(key);
}

// The issuer's asymmetric signing keys (RS256, ES256): created on first use, private halves
// AES-GCM encrypted in D1, public halves published in the JWKS. Cached in the isolate for
// CONFIG_CACHE_SECONDS so the hot path signs without a D1 query.
//
// A key's life: next → active → retiring → retired. Rotation publishes the new key first
// ("next", in the JWKS but not signing) and activates it KEY_ACTIVATION_DELAY_SECONDS later, so
// verifiers and every isolate's JWKS cache know it before the first token it signs arrives. The
// key it replaces stays published ("retiring") until every token it signed has expired.
import { and, asc, desc, eq, gt, inArray, isNull, lte, or } from 'drizzle-orm';
import { calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair, importJWK, type JWK } from 'jose';
import { MAX_TOKEN_TTL_SECONDS } from '../apps/app';
import { database, type Database } from '../db/client';
import { replicaDb } from '../db/replica';
import { signingKeys, type KeyState, type SigningAlg } from '../db/schema';
import { settingsFrom, type Bindings } from '../env';
import { RequestError } from '../lib/errors';
import { open, seal, keyring, type Keyring } from '../lib/secret-box';
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
export const purpose = (kid: string) => `signing-key:${kid}`;

/**
 * Creates a key in `state` and returns its kid, or, when another request stored one first (the
 * partial unique indexes allow one active and one next key per algorithm), the kid that won.
 */
export async function generate(db: Database, kek: Keyring, alg: AsymmetricAlg, state: Extract<KeyState, 'active' | 'next'>): Promise<string> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  const inserted = await db
    .insert(signingKeys)
    .values({
      kid,
      alg,
      publicJwk: { ...publicJwk, kid, alg, use: 'sig' } as JsonWebKey,
      privateJwkEncrypted: await seal(kek, JSON.stringify(privateJwk), purpose(kid)),
      state,
      createdAt: nowSeconds(),
    })
    // Another isolate may have created the key meanwhile (one active and one next per algorithm): then that one is used.
    .onConflictDoNothing()
    .returning({ kid: signingKeys.kid });
  if (inserted.length > 0) return kid;
  // We lost the race: answer with the key that was stored, never with ours (which was not).
  // (A winning next key may already have been activated, with no activation delay.)
  const [winner] = await db
    .select({ kid: signingKeys.kid })
    .from(signingKeys)
    .where(and(eq(signingKeys.alg, alg), inArray(signingKeys.state, state === 'next' ? ['next', 'active'] : ['active'])))
    .orderBy(desc(signingKeys.createdAt))
    .limit(1);
  if (!winner) throw new Error(`no ${state} ${alg} key after another request created one`);
  return winner.kid;
}

/** How long a retiring key stays published: the longest token lifetime plus the isolate cache. */
function retireAfter(env: Bindings): number {
  return nowSeconds() + MAX_TOKEN_TTL_SECONDS + settingsFrom(env).configCacheSeconds;
}

/** Activates the algorithm's next key once it has been published for the activation delay. */
async function activateDueKey(env: Bindings, db: Database, alg: AsymmetricAlg): Promise<void> {
  const publishedBefore = nowSeconds() - settingsFrom(env).keyActivationDelaySeconds;
  const [due] = await db
    .select({ kid: signingKeys.kid })
    .from(signingKeys)
    .where(and(eq(signingKeys.alg, alg), eq(signingKeys.state, 'next'), lte(signingKeys.createdAt, publishedBefore)))
    .limit(1);
  if (!due) return;
  // One batch is one transaction: the algorithm never has two active keys, nor none.
  await db.batch([
    db.update(signingKeys).set({ state: 'retiring', retiredAt: retireAfter(env) }).where(and(eq(signingKeys.alg, alg), eq(signingKeys.state, 'active'))),
    db.update(signingKeys).set({ state: 'active' }).where(and(eq(signingKeys.kid, due.kid), eq(signingKeys.state, 'next'))),
  ]);
  jwksCache.clear();
}

async function loadActiveKey(env: Bindings, alg: AsymmetricAlg): Promise<ActiveKey> {
  // A replica may serve the read; a write here (activation, first key) goes to the primary and
  // the session's later reads include it.
  const db = replicaDb(env.DB);
  // One statement in the common case: the active key, and the next one to see whether it is due.
  const current = () => db.select().from(signingKeys).where(and(eq(signingKeys.alg, alg), inArray(signingKeys.state, ['active', 'next'])));
  let rows = await current();
  const publishedBefore = nowSeconds() - settingsFrom(env).keyActivationDelaySeconds;
  if (rows.some((r) => r.state === 'next' && r.createdAt <= publishedBefore)) {
    await activateDueKey(env, db, alg);
    rows = await current();
  }
  let row = rows.find((r) => r.state === 'active');
  if (!row) {
    // First use of this algorithm: nothing was signed before, so the key can sign at once.
    await generate(db, keyring(env), alg, 'active');
    jwksCache.clear();
    row = (await current()).find((r) => r.state === 'active');
    if (!row) throw new Error(`no active ${alg} key after creating one`);
  }
  return { kid: row.kid, alg, privateKey: await openPrivateKey(keyring(env), row) };
}

/** A stored key's private half, decrypted and imported for signing. */
export async function openPrivateKey(kek: Keyring, row: Pick<typeof signingKeys.$inferSelect, 'kid' | 'alg' | 'privateJwkEncrypted'>): Promise<CryptoKey> {
  const privateJwk = JSON.parse(await open(kek, row.privateJwkEncrypted, purpose(row.kid))) as JWK;
  return (await importJWK(privateJwk, row.alg)) as CryptoKey;
}

/** Which stored keys are published: next, active, and retiring ones whose tokens may still be live. */
const publishedKeys = () =>
  or(
    inArray(signingKeys.state, ['active', 'next']),
    and(eq(signingKeys.state, 'retiring'), or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, nowSeconds()))),
  );

/**
 * Creates an active key for each algorithm that has none, so the JWKS publishes every key an
 * ID token may be signed with before the first token exists (a relying party that cached the
 * JWKS never meets an unknown kid). Called at the first JWKS request and at app registration.
 */
export async function ensureSigningKeys(db: Database, kek: Keyring): Promise<void> {
  const present = await db.select({ alg: signingKeys.alg }).from(signingKeys).where(eq(signingKeys.state, 'active'));
  const missing = ASYMMETRIC_ALGS.filter((alg) => !present.some((row) => row.alg === alg));
  if (missing.length === 0) return;
  await Promise.all(missing.map((alg) => generate(db, kek, alg, 'active')));
  jwksCache.clear();
}

export function activeSigningKey(env: Bindings, alg: AsymmetricAlg): Promise<ActiveKey> {
  return TtlCache.load(activeKeys, alg, settingsFrom(env).configCacheSeconds, () => loadActiveKey(env, alg));
}

/** The public keys that verify tokens: the next, active and retiring keys whose tokens may still be live. */
export function publicJwks(env: Bindings): Promise<{ keys: JWK[] }> {
  return TtlCache.load(jwksCache, 'jwks', settingsFrom(env).configCacheSeconds, async () => {
    const db = replicaDb(env.DB);
    const published = () =>
      db
        .select({ alg: signingKeys.alg, state: signingKeys.state, publicJwk: signingKeys.publicJwk })
        .from(signingKeys)
        .where(publishedKeys())
        .orderBy(asc(signingKeys.createdAt));
    let rows = await published();
    // One statement in the common case; the first request ever also creates the keys (see ensureSigningKeys).
    if (ASYMMETRIC_ALGS.some((alg) => !rows.some((r) => r.alg === alg && r.state === 'active'))) {
      await ensureSigningKeys(db, keyring(env));
      rows = await published();
    }
    return { keys: rows.map((r) => r.publicJwk as JWK) };
  });
}

export interface SigningKeyInfo {
  kid: string;
  alg: AsymmetricAlg;
  state: KeyState;
  createdAt: number;
  /** For a next key: when it becomes active. For a retiring key: when it leaves the JWKS. For a retired key: when it left. */
  changesAt: number | null;
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
  const delay = settingsFrom(env).keyActivationDelaySeconds;
  const rows = await db
    .select({ kid: signingKeys.kid, alg: signingKeys.alg, state: signingKeys.state, createdAt: signingKeys.createdAt, retiredAt: signingKeys.retiredAt })
    .from(signingKeys)
    .orderBy(signingKeys.alg, desc(signingKeys.createdAt));
  return rows.map(({ retiredAt, ...row }) => ({ ...row, changesAt: row.state === 'next' ? row.createdAt + delay : retiredAt }));
}

export interface Rotation {
  kid: string;
  /** When the new key starts signing (now, if the activation delay is 0). */
  activatesAt: number;
}

/**
 * Starts a rotation: a new key is published at once and signs from KEY_ACTIVATION_DELAY_SECONDS
 * on; the current key then retires. A second rotation while one is pending is refused (409).
 */
export async function rotateSigningKey(env: Bindings, alg: AsymmetricAlg): Promise<Rotation> {
  const db = database(env.DB);
  await activateDueKey(env, db, alg);
  const [pending] = await db.select({ kid: signingKeys.kid }).from(signingKeys).where(and(eq(signingKeys.alg, alg), eq(signingKeys.state, 'next'))).limit(1);
  if (pending) throw new RequestError(409, 'conflict', `A new ${alg} key (${pending.kid}) is already published and not yet active; rotate again after it is.`);
  const kid = await generate(db, keyring(env), alg, 'next');
  jwksCache.clear();
  await activateDueKey(env, db, alg); // with no delay configured, the new key signs at once
  activeKeys.delete(alg);
  return { kid, activatesAt: nowSeconds() + settingsFrom(env).keyActivationDelaySeconds };
}

/** A key's public half as SPKI PEM, for apps whose libraries want PEM rather than a JWKS. */
export async function publicKeyPem(env: Bindings, kid: string): Promise<string | null> {
  const [row] = await database(env.DB).select().from(signingKeys).where(eq(signingKeys.kid, kid)).limit(1);
  if (!row) return null;
  const key = (await importJWK(row.publicJwk as JWK, row.alg, { extractable: true })) as CryptoKey;
  return exportSPKI(key);
}

// AES-GCM encryption for everything edge-sso seals: secrets at rest (app secrets, private keys,
// source secrets, TOTP secrets) and the values browsers carry (pending sign-ins, MFA cookies).
// Every key is derived with HKDF from the key-encryption key (KEK) for one purpose, and each
// value is bound to its own purpose (the additional data, e.g. "app-secret:<client id>") so a
// stored ciphertext cannot be moved to another row and decrypted there.
//
// KEK rotation lives here and only here: a Keyring holds KEY_ENCRYPTION_KEY and, during a
// rotation, KEY_ENCRYPTION_KEY_PREVIOUS. Everything is sealed with the current key and opened
// with the current one, else the previous one. Values at rest name the KEK that sealed them
// (`v2.<kek id>.…`), so what still needs the previous key can be counted and re-sealed with SQL
// alone (src/encryption/); `v1.…` values from before carry no id and are tried with both keys.
import type { Bindings } from '../env';
import { base64url, fromBase64url, utf8 } from './encoding';

const AT_REST = 'aes-gcm-at-rest:v1';
const keys = new Map<string, Promise<CryptoKey>>();
const ids = new Map<string, Promise<string>>();

/** The key-encryption keys of a deployment: seal with `current`; open with `current`, else `previous`. */
export interface Keyring {
  current: string;
  previous?: string;
}

/** The Worker's keyring: KEY_ENCRYPTION_KEY, and KEY_ENCRYPTION_KEY_PREVIOUS while a rotation is under way. */
export function keyring(env: Pick<Bindings, 'KEY_ENCRYPTION_KEY' | 'KEY_ENCRYPTION_KEY_PREVIOUS'>): Keyring {
  const previous = env.KEY_ENCRYPTION_KEY_PREVIOUS?.trim();
  return previous && previous !== env.KEY_ENCRYPTION_KEY ? { current: env.KEY_ENCRYPTION_KEY, previous } : { current: env.KEY_ENCRYPTION_KEY };
}

const secretsOf = (ring: Keyring) => (ring.previous ? [ring.current, ring.previous] : [ring.current]);

/**
 * An AES-256-GCM key derived with HKDF from a KEK for one purpose (`info`), so values sealed for
 * one use (secrets at rest, pending sign-ins, MFA cookies) can never be opened as another. Cached
 * per isolate.
 */
export function derivedAesKey(secret: string, info: string): Promise<CryptoKey> {
  if (secret.length < 32) throw new Error('KEY_ENCRYPTION_KEY (and KEY_ENCRYPTION_KEY_PREVIOUS) must be at least 32 characters');
  const cacheKey = `${info}\u0000${secret}`;
  let key = keys.get(cacheKey);
  if (!key) {
    key = hkdfMaterial(secret).then((material) =>
      crypto.subtle.deriveKey(hkdfParams(info), material, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']),
    );
    keys.set(cacheKey, key);
  }
  return key;
}

const hkdfMaterial = (secret: string) => crypto.subtle.importKey('raw', utf8(secret), 'HKDF', false, ['deriveKey', 'deriveBits']);
const hkdfParams = (info: string) => ({ name: 'HKDF', hash: 'SHA-256', salt: utf8('edge-sso'), info: utf8(info) });

/** A short public name for a KEK (48 bits of HKDF output under its own purpose): which key sealed a value. */
export function kekId(secret: string): Promise<string> {
  let id = ids.get(secret);
  if (!id) {
    id = hkdfMaterial(secret)
      .then((material) => crypto.subtle.deriveBits(hkdfParams('kek-id:v1'), material, 48))
      .then((bits) => base64url(new Uint8Array(bits)));
    ids.set(secret, id);
  }
  return id;
}

/** What every value sealed at rest under the current KEK starts with (`v2.<kek id>.`): SQL counts the rest with NOT LIKE. */
export async function currentPrefix(ring: Keyring): Promise<string> {
  return `v2.${await kekId(ring.current)}.`;
}

/**
 * Decrypts with the ring's keys for `info`, current first: for the values browsers carry, which
 * name no key. Throws when no key opens it (tampered, or sealed under a key no longer held).
 */
export async function decryptWithKeyring(ring: Keyring, info: string, params: { iv: Uint8Array<ArrayBuffer>; additionalData: Uint8Array<ArrayBuffer> }, data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> {
  let failure: unknown;
  for (const secret of secretsOf(ring)) {
    try {
      return await crypto.subtle.decrypt({ name: 'AES-GCM', ...params }, await derivedAesKey(secret, info), data);
    } catch (error) {
      failure = error;
    }
  }
  throw failure;
}

/** Seals a value at rest under the current KEK, bound to `purpose`. */
export async function seal(ring: Keyring, plaintext: string, purpose: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8(purpose) }, await derivedAesKey(ring.current, AT_REST), utf8(plaintext));
  return `${await currentPrefix(ring)}${base64url(iv)}.${base64url(new Uint8Array(ciphertext))}`;
}

/** Opens a value sealed at rest, with whichever of the ring's keys sealed it. Throws when none did. */
export async function open(ring: Keyring, sealed: string, purpose: string): Promise<string> {
  const parts = sealed.split('.');
  let candidates: string[];
  let iv: string | undefined, ciphertext: string | undefined;
  if (parts[0] === 'v2' && parts.length === 4) {
    [, , iv, ciphertext] = parts;
    candidates = [];
    for (const secret of secretsOf(ring)) if ((await kekId(secret)) === parts[1]) candidates.push(secret);
    if (candidates.length === 0) throw new Error('sealed under a key-encryption key this deployment no longer holds');
  } else if (parts[0] === 'v1' && parts.length === 3) {
    [, iv, ciphertext] = parts;
    candidates = secretsOf(ring);
  } else throw new Error('unknown sealed value format');
  const plaintext = await decryptWithKeyring({ current: candidates[0]!, previous: candidates[1] }, AT_REST, { iv: fromBase64url(iv!), additionalData: utf8(purpose) }, fromBase64url(ciphertext!));
  return new TextDecoder().decode(plaintext);
}

/** The value sealed anew under the current KEK, or null when it already is. */
export async function reseal(ring: Keyring, sealed: string, purpose: string): Promise<string | null> {
  if (sealed.startsWith(await currentPrefix(ring))) return null;
  return seal(ring, await open(ring, sealed, purpose), purpose);
}

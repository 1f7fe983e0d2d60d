// The keys of an export: Argon2id of the admin's passphrase, then two subkeys by HKDF, one that
// seals every secret and one that authenticates the whole document (./document.ts). Why not
// PBKDF2: Workers refuse more than 100,000 iterations, about a sixth of what OWASP asks of
// PBKDF2-SHA256 today, and an export file may be copied and attacked offline for years. Argon2id
// is memory-hard (RFC 9106): with m=64 MiB, t=3 each guess costs 64 MiB and three passes over it,
// which GPUs and ASICs cannot make cheap. It runs once per export or import (about a second or
// two in workerd). The parameters travel in the document, so a later version can raise them.
import { canonicalJson } from '../lib/canonical-json';
import { base64url, fromBase64url, utf8 } from '../lib/encoding';
import { argon2id, type Argon2Params } from '../users/argon2';

export const EXPORT_KDF: Argon2Params = { memoryKiB: 65_536, passes: 3, parallelism: 1 };
export const MIN_PASSPHRASE_LENGTH = 12;
export const MAX_PASSPHRASE_LENGTH = 1024;

/** What is wrong with a passphrase given for an export or import (completing "The passphrase …"), or null. */
export function passphraseProblem(passphrase: unknown): string | null {
  if (typeof passphrase !== 'string' || passphrase.length < MIN_PASSPHRASE_LENGTH || passphrase.length > MAX_PASSPHRASE_LENGTH) {
    return `must be from ${MIN_PASSPHRASE_LENGTH} to ${MAX_PASSPHRASE_LENGTH} characters`;
  }
  return null;
}

export interface PassphraseKeys {
  /** AES-256-GCM: seals each secret, bound to its record. */
  seal: CryptoKey;
  /** HMAC-SHA-256: authenticates the whole document, so no field outside a secret can be changed either. */
  mac: CryptoKey;
}

// Each subkey has its own HKDF label, so the sealing key and the MAC key are independent.
const SEAL_INFO = 'edge-sso export v2: seal secrets';
const MAC_INFO = 'edge-sso export v2: document mac';

/** One Argon2id derivation (the slow part), then both subkeys from it. */
export async function passphraseKeys(passphrase: string, salt: Uint8Array, params: Argon2Params): Promise<PassphraseKeys> {
  const raw = await argon2id(utf8(passphrase), salt, params, 32);
  const material = await crypto.subtle.importKey('raw', raw as Uint8Array<ArrayBuffer>, 'HKDF', false, ['deriveKey']);
  const hkdf = (info: string) => ({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8(info) });
  const [seal, mac] = await Promise.all([
    crypto.subtle.deriveKey(hkdf(SEAL_INFO), material, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']),
    crypto.subtle.deriveKey(hkdf(MAC_INFO), material, { name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign', 'verify']),
  ]);
  return { seal, mac };
}

/** The document's MAC: HMAC-SHA-256 over the canonical JSON (RFC 8785) of every field but `mac`, base64url. */
export async function documentMac(key: CryptoKey, unsigned: object): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8(canonicalJson(unsigned)))));
}

/** Whether `mac` is the MAC of `unsigned` under the key (compared in constant time by WebCrypto). */
export async function documentMacMatches(key: CryptoKey, unsigned: object, mac: string): Promise<boolean> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = fromBase64url(mac);
  } catch {
    return false;
  }
  return crypto.subtle.verify('HMAC', key, bytes, utf8(canonicalJson(unsigned)));
}

/** AES-256-GCM under the passphrase key, bound to `purpose` (which record and field it belongs to). */
export async function sealFor(key: CryptoKey, plaintext: string, purpose: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8(purpose) }, key, utf8(plaintext));
  return `${base64url(iv)}.${base64url(new Uint8Array(sealed))}`;
}

/** Throws when the passphrase is wrong or the value was changed or moved to another record. */
export async function openFor(key: CryptoKey, sealed: string, purpose: string): Promise<string> {
  const [iv, body] = sealed.split('.');
  if (!iv || !body) throw new Error('not a sealed value');
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64url(iv), additionalData: utf8(purpose) }, key, fromBase64url(body));
  return new TextDecoder().decode(plain);
}

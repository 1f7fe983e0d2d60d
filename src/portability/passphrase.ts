// The key that seals every secret in an export: Argon2id of the admin's passphrase. Why not
// PBKDF2: Workers refuse more than 100,000 iterations, about a sixth of what OWASP asks of
// PBKDF2-SHA256 today, and an export file may be copied and attacked offline for years. Argon2id
// is memory-hard (RFC 9106): with m=64 MiB, t=3 each guess costs 64 MiB and three passes over it,
// which GPUs and ASICs cannot make cheap. It runs once per export or import (about a second or
// two in workerd). The parameters travel in the document, so a later version can raise them.
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

export async function passphraseKey(passphrase: string, salt: Uint8Array, params: Argon2Params): Promise<CryptoKey> {
  const raw = await argon2id(utf8(passphrase), salt, params, 32);
  return crypto.subtle.importKey('raw', raw as Uint8Array<ArrayBuffer>, 'AES-GCM', false, ['encrypt', 'decrypt']);
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

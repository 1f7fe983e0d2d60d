// Short-lived values sealed with AES-GCM for the browser to carry: the half-done sign-in (a
// password checked, second factor pending), WebAuthn challenges, and recovery codes on their way
// to the page that shows them once. The key is derived with HKDF from KEY_ENCRYPTION_KEY for this
// purpose only (opened with the previous KEK too during a rotation); each value is bound to its kind (additional data) and carries its expiry.
import { base64url, fromBase64url, utf8 } from '../lib/encoding';
import { decryptWithKeyring, derivedAesKey, type Keyring } from '../lib/secret-box';
import { nowSeconds } from '../lib/time';

const MAX_LENGTH = 8192;
const INFO = 'mfa-sealed:v1';

export async function sealValue(ring: Keyring, kind: string, value: object, ttlSeconds: number): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const body = utf8(JSON.stringify({ v: value, exp: nowSeconds() + ttlSeconds }));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8(kind) }, await derivedAesKey(ring.current, INFO), body));
  return `${base64url(iv)}.${base64url(sealed)}`;
}

/** The value, or null when absent, tampered with, of another kind, or expired. */
export async function openValue<T>(ring: Keyring, kind: string, sealed: string | undefined): Promise<T | null> {
  if (!sealed || sealed.length > MAX_LENGTH) return null;
  const [iv, body] = sealed.split('.');
  if (!iv || !body) return null;
  try {
    const plain = await decryptWithKeyring(ring, INFO, { iv: fromBase64url(iv), additionalData: utf8(kind) }, fromBase64url(body));
    const parsed = JSON.parse(new TextDecoder().decode(plain)) as { v: T; exp: number };
    return parsed.exp > nowSeconds() ? parsed.v : null;
  } catch {
    return null;
  }
}

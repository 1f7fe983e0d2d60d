// AES-GCM encryption at rest for app secrets and private keys.
// The key is derived with HKDF from the KEY_ENCRYPTION_KEY Worker secret; each value is bound to
// its purpose (the additional data, e.g. "app-secret:<client id>") so a stored ciphertext cannot
// be moved to another row and decrypted there.
import { base64url, fromBase64url, utf8 } from './encoding';

const FORMAT = 'v1';
const keys = new Map<string, Promise<CryptoKey>>();

/**
 * An AES-256-GCM key derived with HKDF from the KEY_ENCRYPTION_KEY secret for one purpose
 * (`info`), so values sealed for one use (secrets at rest, pending sign-ins, MFA cookies) can
 * never be opened as another. Cached per isolate.
 */
export function derivedAesKey(secret: string, info: string): Promise<CryptoKey> {
  if (secret.length < 32) throw new Error('KEY_ENCRYPTION_KEY must be at least 32 characters');
  const cacheKey = `${info}\u0000${secret}`;
  let key = keys.get(cacheKey);
  if (!key) {
    key = crypto.subtle
      .importKey('raw', utf8(secret), 'HKDF', false, ['deriveKey'])
      .then((material) =>
        crypto.subtle.deriveKey(
          { name: 'HKDF', hash: 'SHA-256', salt: utf8('edge-sso'), info: utf8(info) },
          material,
          { name: 'AES-GCM', length: 256 },
          false,
          ['encrypt', 'decrypt'],
        ),
      );
    keys.set(cacheKey, key);
  }
  return key;
}

const aesKey = (secret: string) => derivedAesKey(secret, 'aes-gcm-at-rest:v1');

export async function seal(secret: string, plaintext: string, purpose: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: utf8(purpose) },
    await aesKey(secret),
    utf8(plaintext),
  );
  return `${FORMAT}.${base64url(iv)}.${base64url(new Uint8Array(ciphertext))}`;
}

export async function open(secret: string, sealed: string, purpose: string): Promise<string> {
  const [format, iv, ciphertext] = sealed.split('.');
  if (format !== FORMAT || !iv || !ciphertext) throw new Error('unknown sealed value format');
  const plaintext = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64url(iv), additionalData: utf8(purpose) },
    await aesKey(secret),
    fromBase64url(ciphertext),
  );
  return new TextDecoder().decode(plaintext);
}

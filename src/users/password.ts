// Password hashing: PBKDF2-SHA256 with a versioned hash string, so the scheme can be upgraded
// when a user next signs in.  Format: pbkdf2-sha256$<iterations>$<salt>$<hash> (base64url).
import { base64url, fromBase64url, utf8 } from '../lib/encoding';

/** The most production Workers allow (higher counts throw there, though local workerd accepts them). */
export const PBKDF2_ITERATIONS = 100_000;
const SCHEME = 'pbkdf2-sha256';
const SALT_BYTES = 16;
const HASH_BITS = 256;

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  if (iterations > PBKDF2_ITERATIONS) throw new Error(`PBKDF2 iterations above ${PBKDF2_ITERATIONS} are refused by Workers`);
  const material = await crypto.subtle.importKey('raw', utf8(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, material, HASH_BITS);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return `${SCHEME}$${PBKDF2_ITERATIONS}$${base64url(salt)}$${base64url(hash)}`;
}

export interface PasswordCheck {
  ok: boolean;
  /** The stored hash uses older parameters: store a fresh hash now that the password is known. */
  needsRehash: boolean;
}

export async function verifyPassword(password: string, stored: string): Promise<PasswordCheck> {
  const [scheme, rounds, salt, hash] = stored.split('$');
  const iterations = Number(rounds);
  if (scheme !== SCHEME || !salt || !hash || !Number.isInteger(iterations) || iterations < 1 || iterations > PBKDF2_ITERATIONS) {
    return { ok: false, needsRehash: false };
  }
  let expected: Uint8Array, saltBytes: Uint8Array<ArrayBuffer>;
  try {
    expected = fromBase64url(hash);
    saltBytes = fromBase64url(salt);
  } catch {
    return { ok: false, needsRehash: false }; // a corrupt stored hash refuses, it does not crash sign-in
  }
  const actual = await derive(password, saltBytes, iterations);
  const ok = actual.length === expected.length && crypto.subtle.timingSafeEqual(actual, expected);
  return { ok, needsRehash: ok && iterations !== PBKDF2_ITERATIONS };
}

/** Spends the same time as a real check, for unknown accounts, so timing does not reveal which exist. */
export async function verifyDummyPassword(password: string): Promise<void> {
  await derive(password, new Uint8Array(SALT_BYTES), PBKDF2_ITERATIONS);
}

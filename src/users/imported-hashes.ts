// Password hashes brought from another identity provider (user import): bcrypt ($2a$, $2b$,
// $2y$: Auth0, miniOrange), PBKDF2 in the PHC string format ($pbkdf2-sha256$, $pbkdf2-sha512$:
// Keycloak's credentials, converted by scripts/keycloak-to-phc.mjs; passlib's variant too) and
// Argon2id ($argon2id$: Keycloak 24+). Each is checked once, at the user's first sign-in, and then
// replaced by edge-sso's own PBKDF2 hash (src/users/store.ts, authenticate).
//
// Costs are limited at import, so that one sign-in fits a Worker's CPU time (README, "Migrating
// users with their password hashes", has the measured costs): bcrypt cost <= 12, PBKDF2 <= 100,000
// iterations (Workers refuse more), Argon2id memory <= 64 MiB, passes <= 10, lanes <= 8.
import bcrypt from 'bcryptjs';
import { argon2id, MAX_ARGON2_MEMORY_KIB, MAX_ARGON2_PASSES } from './argon2';
import { PBKDF2_ITERATIONS } from './password';

export const MAX_BCRYPT_COST = 12;
export const MAX_ARGON2_LANES = 8;

export type ImportedHash =
  | { format: 'bcrypt'; hash: string; cost: number }
  | { format: 'pbkdf2'; digest: 'SHA-256' | 'SHA-512'; iterations: number; salt: Uint8Array<ArrayBuffer>; hash: Uint8Array<ArrayBuffer> }
  | { format: 'argon2id'; memoryKiB: number; passes: number; parallelism: number; salt: Uint8Array<ArrayBuffer>; hash: Uint8Array<ArrayBuffer> };

const BCRYPT = /^\$2([aby])\$(\d\d)\$([./A-Za-z0-9]{53})$/;
// PHC: $pbkdf2-sha256$i=27500$<salt>$<hash> (also l=<length>); passlib: $pbkdf2-sha256$29000$<salt>$<hash>.
const PBKDF2 = /^\$pbkdf2-(sha256|sha512)\$(?:i=(\d{1,7})(?:,l=\d{1,3})?|(\d{1,7}))\$([A-Za-z0-9+/.=_-]{8,128})\$([A-Za-z0-9+/.=_-]{16,256})$/;
const ARGON2 = /^\$argon2id\$v=(\d+)\$m=(\d{1,9}),t=(\d{1,4}),p=(\d{1,3})\$([A-Za-z0-9+/=]{8,128})\$([A-Za-z0-9+/=]{16,256})$/;

/** Standard or URL-safe base64, padded or not; passlib's "adapted" alphabet writes "." for "+". */
function base64Bytes(text: string, adapted = false): Uint8Array<ArrayBuffer> {
  const standard = (adapted ? text.replace(/\./g, '+') : text).replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  const binary = atob(standard + '='.repeat((4 - (standard.length % 4)) % 4));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

/** Whether a stored hash came from an import (edge-sso's own hashes do not start with "$"). */
export const isImportedHash = (stored: string) => stored.startsWith('$');

/** Parses an imported hash, or says (for the import report) why it cannot be used. */
export function parseImportedHash(text: string): ImportedHash | { error: string } {
  const bcryptMatch = BCRYPT.exec(text);
  if (bcryptMatch) {
    const cost = Number(bcryptMatch[2]);
    if (cost < 4 || cost > MAX_BCRYPT_COST) return { error: `bcrypt cost ${cost} is above the limit of ${MAX_BCRYPT_COST} (one sign-in must fit a Worker's CPU time)` };
    // $2y$ (PHP) and $2a$ are the same algorithm as $2b$ for any password a browser sends.
    return { format: 'bcrypt', hash: `$2b$${bcryptMatch[2]}$${bcryptMatch[3]}`, cost };
  }
  const pbkdf2Match = PBKDF2.exec(text);
  if (pbkdf2Match) {
    const iterations = Number(pbkdf2Match[2] ?? pbkdf2Match[3]);
    if (iterations < 1000 || iterations > PBKDF2_ITERATIONS) return { error: `PBKDF2 iterations must be from 1,000 to ${PBKDF2_ITERATIONS.toLocaleString('en')} (Workers refuse more); this hash has ${iterations}` };
    const adapted = pbkdf2Match[3] !== undefined;
    try {
      return { format: 'pbkdf2', digest: pbkdf2Match[1] === 'sha512' ? 'SHA-512' : 'SHA-256', iterations, salt: base64Bytes(pbkdf2Match[4]!, adapted), hash: base64Bytes(pbkdf2Match[5]!, adapted) };
    } catch {
      return { error: 'the PBKDF2 salt or hash is not base64' };
    }
  }
  const argonMatch = ARGON2.exec(text);
  if (argonMatch) {
    const [, version, m, t, p] = argonMatch.map(Number) as number[];
    if (version !== 19) return { error: `Argon2id version ${version} is not supported (only v=19)` };
    if (m! > MAX_ARGON2_MEMORY_KIB) return { error: `Argon2id memory m=${m} KiB is above the limit of ${MAX_ARGON2_MEMORY_KIB} KiB (64 MiB)` };
    if (t! < 1 || t! > MAX_ARGON2_PASSES) return { error: `Argon2id passes t=${t} must be from 1 to ${MAX_ARGON2_PASSES}` };
    if (p! < 1 || p! > MAX_ARGON2_LANES) return { error: `Argon2id parallelism p=${p} must be from 1 to ${MAX_ARGON2_LANES}` };
    if (m! < 8 * p!) return { error: 'Argon2id memory must be at least 8 KiB per lane' };
    try {
      return { format: 'argon2id', memoryKiB: m!, passes: t!, parallelism: p!, salt: base64Bytes(argonMatch[5]!), hash: base64Bytes(argonMatch[6]!) };
    } catch {
      return { error: 'the Argon2id salt or hash is not base64' };
    }
  }
  if (/^\$argon2(i|d)\$/.test(text)) return { error: 'only Argon2id hashes are supported, not Argon2i or Argon2d' };
  return { error: 'is not a supported hash: bcrypt ($2a$, $2b$, $2y$), PBKDF2 PHC ($pbkdf2-sha256$, $pbkdf2-sha512$) or Argon2id ($argon2id$)' };
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && crypto.subtle.timingSafeEqual(a, b);

/** Whether `password` matches an imported hash (false for a hash that no longer parses). */
export async function verifyImportedHash(password: string, stored: string): Promise<boolean> {
  const parsed = parseImportedHash(stored);
  if ('error' in parsed) return false;
  const bytes = new TextEncoder().encode(password);
  switch (parsed.format) {
    case 'bcrypt':
      return bcrypt.compareSync(password, parsed.hash);
    case 'pbkdf2': {
      const material = await crypto.subtle.importKey('raw', bytes, 'PBKDF2', false, ['deriveBits']);
      const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: parsed.digest, salt: parsed.salt, iterations: parsed.iterations }, material, parsed.hash.length * 8);
      return sameBytes(new Uint8Array(bits), parsed.hash);
    }
    case 'argon2id': {
      const tag = await argon2id(bytes, parsed.salt, parsed, parsed.hash.length);
      return sameBytes(tag, parsed.hash);
    }
  }
}

// PKCE (RFC 7636), S256 only: `plain` would let a stolen challenge redeem the code.
import { base64url, utf8 } from '../lib/encoding';

/** A S256 challenge is the base64url SHA-256 of the verifier: always 43 characters. */
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

export function isValidChallenge(challenge: string): boolean {
  return CHALLENGE.test(challenge);
}

export function isValidVerifier(verifier: string): boolean {
  return VERIFIER.test(verifier);
}

export async function s256(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(verifier))));
}

/** Whether `verifier` proves `challenge` (S256), compared in constant time. */
export async function verifyPkce(verifier: string, challenge: string): Promise<boolean> {
  if (!isValidVerifier(verifier) || !isValidChallenge(challenge)) return false;
  const computed = utf8(await s256(verifier));
  const expected = utf8(challenge);
  return computed.length === expected.length && crypto.subtle.timingSafeEqual(computed, expected);
}

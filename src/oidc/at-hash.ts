// at_hash (OIDC Core §3.1.3.6): the left half of the access token's hash, base64url. Both of
// our algorithms (RS256, ES256) use SHA-256, so it is the first 16 bytes of SHA-256.
import { base64url, utf8 } from '../lib/encoding';

export async function atHash(accessToken: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(accessToken)));
  return base64url(digest.slice(0, digest.length / 2));
}

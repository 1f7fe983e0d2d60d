// Verifies the signature of an HTTP-Redirect message (SAML Bindings §3.4.4.1): it is computed
// over the query string's own bytes, `SAMLRequest=…&RelayState=…&SigAlg=…` in that order, each
// value exactly as URL-encoded in the request (re-encoding would change what was signed).
import { rsaKeyOfCertificate, fromBase64 } from '../tokens/x509';
import { utf8 } from '../lib/encoding';

/** RSA-SHA256 or stronger; RSA-SHA1 is refused (DESIGN.md: XML security rules). */
export const REDIRECT_SIG_ALGS: Record<string, 'SHA-256' | 'SHA-384' | 'SHA-512'> = {
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': 'SHA-256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384': 'SHA-384',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': 'SHA-512',
};

/** Percent-decoding that never throws: malformed input stays as it is (and then fails to match or verify). */
export function decodeParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The raw (still URL-encoded) value of each parameter, as it appears in `rawQuery` (without "?"); null when repeated. */
export function rawParams(rawQuery: string): Map<string, string | null> {
  const params = new Map<string, string | null>();
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodeParam(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : part.slice(eq + 1);
    params.set(name, params.has(name) ? null : value);
  }
  return params;
}

export type RedirectSignature = { kind: 'unsigned' } | { kind: 'valid' } | { kind: 'invalid'; reason: string };

/** Checks the query's Signature with the SP's certificates; `unsigned` when it carries none. */
export async function verifyRedirectSignature(rawQuery: string, certificates: readonly string[]): Promise<RedirectSignature> {
  const params = rawParams(rawQuery);
  const signature = params.get('Signature');
  const sigAlg = params.get('SigAlg');
  if (signature === undefined && sigAlg === undefined) return { kind: 'unsigned' };
  if (!signature || !sigAlg) return { kind: 'invalid', reason: 'The request has a Signature without a SigAlg, or the reverse, or one of them twice.' };
  const alg = Object.hasOwn(REDIRECT_SIG_ALGS, decodeParam(sigAlg)) ? REDIRECT_SIG_ALGS[decodeParam(sigAlg)] : undefined;
  if (!alg) return { kind: 'invalid', reason: 'The request is signed with an algorithm edge-sso does not accept (RSA-SHA256 or stronger is required).' };
  const relayState = params.get('RelayState');
  const request = params.get('SAMLRequest');
  if (!request || relayState === null) return { kind: 'invalid', reason: 'The signed request repeats a parameter.' };
  const signed = `SAMLRequest=${request}${relayState === undefined ? '' : `&RelayState=${relayState}`}&SigAlg=${sigAlg}`;
  const bytes = fromBase64(decodeParam(signature));
  if (!bytes) return { kind: 'invalid', reason: 'The request’s Signature is not base64.' };
  for (const cert of certificates) {
    const key = await rsaKeyOfCertificate(cert, alg);
    if (key && (await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, bytes as Uint8Array<ArrayBuffer>, utf8(signed)))) return { kind: 'valid' };
  }
  return { kind: 'invalid', reason: 'The request’s signature does not verify with the certificates in the service provider’s metadata.' };
}

// X.509 for SAML: metadata publishes signing keys as certificates, so each RS256 key of the key
// store gets a self-signed certificate (built by the XML core's DER writer, src/lib/xml/x509.ts).
//
// The certificate is a pure function of the key (serial from its kid, validity from its creation
// time; RSASSA-PKCS1-v1_5 signatures are deterministic): it is never stored, every isolate
// computes the same bytes, and it rotates, is published ahead and retires with its key.
// Reading: the RSA public key of a service provider's certificate, to verify its requests.
import { base64Encode, certificateDer, selfSignedCertificate as derCertificate, spkiOfCertificate } from '../lib/xml';
import { utf8 } from '../lib/encoding';

/** Metadata consumers check validity dates; the key retires long before this (rotation, not expiry, ends it). */
const VALIDITY_YEARS = 10;

export interface CertificateKey {
  kid: string;
  /** Unix seconds: the certificate is valid from the key's creation. */
  createdAt: number;
  publicKey: CryptoKey;
  privateKey: CryptoKey;
}

/** The self-signed certificate (DER) of an RS256 key; the same bytes every time for the same key. */
export async function selfSignedCertificate(key: CertificateKey): Promise<Uint8Array> {
  const serial = new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(`x509-serial:${key.kid}`))).slice(0, 16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive, no leading zero byte (RFC 5280 §4.1.2.2)
  const notBefore = new Date(key.createdAt * 1000);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + VALIDITY_YEARS);
  return derCertificate({ commonName: `edge-sso SAML signing ${key.kid.slice(0, 16)}`, publicKey: key.publicKey, privateKey: key.privateKey, notBefore, notAfter, serial });
}

/** Base64 (not base64url), as ds:X509Certificate and PEM want it. */
export const base64 = base64Encode;

/** Parses base64 text with any whitespace in it (as metadata wraps certificates); null if it is not base64. */
export function fromBase64(text: string): Uint8Array | null {
  const compact = text.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return null;
  try {
    return Uint8Array.from(atob(compact), (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * The RSA public key of a certificate (base64 DER), for RSASSA-PKCS1-v1_5 with `hash`; null when
 * it is not a certificate or its key is not RSA. The certificate's own signature and dates are not
 * checked: SAML trusts the key because the admin registered it in the metadata, not because of a CA.
 */
export async function rsaKeyOfCertificate(certificate: string, hash: 'SHA-256' | 'SHA-384' | 'SHA-512'): Promise<CryptoKey | null> {
  try {
    return await crypto.subtle.importKey('spki', spkiOfCertificate(certificateDer(certificate)), { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['verify']);
  } catch {
    return null;
  }
}

// X.509 for SAML: SAML metadata publishes signing keys as certificates, so each RS256 key of the
// key store gets a self-signed certificate, signed by the key itself.
//
// The certificate is a pure function of the key (serial from its kid, validity from its creation
// time, RSASSA-PKCS1-v1_5 signatures are deterministic): it is never stored, every isolate
// computes the same bytes, and it rotates, is published ahead and retires with its key.
// Reading: the subject public key of a service provider's certificate, to verify its requests.
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  Certificate,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { utf8 } from '../lib/encoding';

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const COMMON_NAME = '2.5.4.3';
const DER_NULL = new Uint8Array([0x05, 0x00]).buffer;
/** Metadata consumers check validity dates; the key retires long before this (rotation, not expiry, ends it). */
const VALIDITY_YEARS = 10;

export interface CertificateKey {
  kid: string;
  /** Unix seconds: the certificate is valid from the key's creation. */
  createdAt: number;
  publicKey: CryptoKey;
  privateKey: CryptoKey;
}

const sha256WithRsa = () => new AlgorithmIdentifier({ algorithm: SHA256_WITH_RSA, parameters: DER_NULL });

/** The self-signed certificate (DER) of an RS256 key; the same bytes every time for the same key. */
export async function selfSignedCertificate(key: CertificateKey): Promise<Uint8Array> {
  const spki = AsnConvert.parse((await crypto.subtle.exportKey('spki', key.publicKey)) as ArrayBuffer, SubjectPublicKeyInfo);
  const name = new Name([
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type: COMMON_NAME, value: new AttributeValue({ utf8String: `edge-sso SAML signing ${key.kid.slice(0, 16)}` }) })]),
  ]);
  const serial = new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(`x509-serial:${key.kid}`))).slice(0, 16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive and without a leading zero byte (RFC 5280 §4.1.2.2)
  const notBefore = new Date(key.createdAt * 1000);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + VALIDITY_YEARS);
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serial.buffer,
    signature: sha256WithRsa(),
    issuer: name,
    subject: name,
    validity: new Validity({ notBefore, notAfter }),
    subjectPublicKeyInfo: spki,
  });
  const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key.privateKey, AsnConvert.serialize(tbs));
  return new Uint8Array(AsnConvert.serialize(new Certificate({ tbsCertificate: tbs, signatureAlgorithm: sha256WithRsa(), signatureValue: signature })));
}

/** Base64 (not base64url), as ds:X509Certificate and PEM want it. */
export function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Parses base64 text with any whitespace in it (as metadata wraps certificates); null if it is not base64. */
export function fromBase64(text: string): Uint8Array | null {
  const compact = text.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return null;
  try {
    const binary = atob(compact);
    return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * The RSA public key of a DER certificate, for RSASSA-PKCS1-v1_5 with `hash`; null when the bytes
 * are not a certificate or its key is not RSA. The certificate's own signature and dates are not
 * checked: SAML trusts the key because the admin registered it in the metadata, not because of a CA.
 */
export async function rsaKeyOfCertificate(der: Uint8Array, hash: 'SHA-256' | 'SHA-384' | 'SHA-512'): Promise<CryptoKey | null> {
  let spki: SubjectPublicKeyInfo;
  try {
    spki = AsnConvert.parse(der, Certificate).tbsCertificate.subjectPublicKeyInfo;
  } catch {
    return null;
  }
  if (spki.algorithm.algorithm !== RSA_ENCRYPTION) return null;
  try {
    return await crypto.subtle.importKey('spki', AsnConvert.serialize(spki), { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['verify']);
  } catch {
    return null;
  }
}

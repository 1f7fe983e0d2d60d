// edge-sso as a SAML service provider, per source: its entity ID (= its metadata URL), its ACS
// URL, and two key pairs generated when the source is created, one to decrypt assertions and one
// to sign AuthnRequests (a key per purpose; the private keys sealed with the source's secrets,
// the certificates published in the SP metadata).
import { base64Decode, base64Encode, selfSignedCertificate } from '../../lib/xml';

export const SP_KEY_SECRET = 'sp_private_key';
export const SP_CERT_CONFIG = 'sp_certificate';
export const SP_SIGNING_KEY_SECRET = 'sp_signing_key';
export const SP_SIGNING_CERT_CONFIG = 'sp_signing_certificate';

const base = (issuer: string, slug: string) => `${issuer}/federation/${encodeURIComponent(slug)}/saml`;
export const spEntityId = (issuer: string, slug: string) => `${base(issuer, slug)}/metadata`;
export const spMetadataUrl = spEntityId;
export const acsUrl = (issuer: string, slug: string) => `${base(issuer, slug)}/acs`;

/** A fresh RSA-2048 key pair (for XML Encryption, or for signing): PKCS#8 (to seal) and a self-signed certificate. */
export async function generateSpKey(slug: string, purpose: 'encryption' | 'signing' = 'encryption'): Promise<{ privateKey: string; certificate: string }> {
  const pair = (await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  const now = Date.now();
  const certificate = await selfSignedCertificate({
    commonName: `edge-sso SAML SP ${slug}${purpose === 'signing' ? ' signing' : ''}`,
    publicKey: pair.publicKey,
    privateKey: pair.privateKey,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 20 * 365 * 86400_000),
    serial: crypto.getRandomValues(new Uint8Array(16)).map((b, i) => (i === 0 ? b & 0x7f : b)),
  });
  const pkcs8 = new Uint8Array((await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer);
  return { privateKey: base64Encode(pkcs8), certificate: base64Encode(certificate) };
}

export const spKeyBytes = (secret: string) => base64Decode(secret);

/** The AuthnRequest signing key of a source, when it has one. */
export async function spSigningKey(secret: string | undefined): Promise<CryptoKey | null> {
  if (!secret) return null;
  return crypto.subtle.importKey('pkcs8', spKeyBytes(secret), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
}

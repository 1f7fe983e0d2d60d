// Just enough X.509 (DER) for XML signatures: the public key of a certificate, and a minimal
// self-signed certificate for an RSA key (SAML metadata publishes keys as certificates).
import { XmlSecurityError } from './parse';

interface Tlv {
  tag: number;
  start: number; // of the whole TLV
  contentStart: number;
  end: number;
}

function readTlv(der: Uint8Array, offset: number): Tlv {
  const tag = der[offset];
  let length = der[offset + 1];
  if (tag === undefined || length === undefined) throw new XmlSecurityError('truncated certificate');
  let contentStart = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 3) throw new XmlSecurityError('unsupported certificate length');
    length = 0;
    for (let i = 0; i < octets; i++) length = (length << 8) | (der[contentStart + i] ?? 0);
    contentStart += octets;
  }
  const end = contentStart + length;
  if (end > der.length) throw new XmlSecurityError('truncated certificate');
  return { tag, start: offset, contentStart, end };
}

function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const list: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const tlv = readTlv(der, at);
    list.push(tlv);
    at = tlv.end;
  }
  return list;
}

/** Decodes a certificate given as PEM or bare base64 (whitespace ignored) to DER bytes. */
export function certificateDer(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new XmlSecurityError('certificate is not base64');
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The SubjectPublicKeyInfo (DER) of a certificate. */
export function spkiOfCertificate(der: Uint8Array): Uint8Array<ArrayBuffer> {
  const cert = readTlv(der, 0);
  if (cert.tag !== 0x30 || cert.end !== der.length) throw new XmlSecurityError('not a certificate');
  const tbs = children(der, cert)[0];
  if (!tbs || tbs.tag !== 0x30) throw new XmlSecurityError('not a certificate');
  const fields = children(der, tbs);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] version is optional
  const spki = fields[offset + 5];
  if (!spki || spki.tag !== 0x30) throw new XmlSecurityError('certificate has no public key');
  return der.slice(spki.start, spki.end);
}

// --- DER writing (self-signed certificates) ---

function encodeLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const length = content.reduce((sum, c) => sum + c.length, 0);
  const head = [tag, ...encodeLength(length)];
  const out = new Uint8Array(head.length + length);
  out.set(head, 0);
  let at = head.length;
  for (const c of content) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const seq = (...c: Uint8Array[]) => tlv(0x30, ...c);
const utf8String = (s: string) => tlv(0x0c, new TextEncoder().encode(s));
const SHA256_WITH_RSA = new Uint8Array([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]);
const COMMON_NAME = new Uint8Array([0x06, 0x03, 0x55, 0x04, 0x03]);
const NULL = new Uint8Array([0x05, 0x00]);

/** RFC 5280: UTCTime through 2049, GeneralizedTime from 2050. */
function certificateTime(date: Date): Uint8Array {
  const text = date.toISOString().replace(/[-:T]/g, '').replace(/\.\d{3}/, ''); // YYYYMMDDHHMMSSZ
  const year = date.getUTCFullYear();
  return year < 2050 ? tlv(0x17, new TextEncoder().encode(text.slice(2))) : tlv(0x18, new TextEncoder().encode(text));
}

function positiveInteger(bytes: Uint8Array): Uint8Array {
  const body = bytes[0]! & 0x80 ? new Uint8Array([0, ...bytes]) : bytes;
  return tlv(0x02, body);
}

/**
 * A self-signed X.509 v1 certificate (no extensions) for an RSA key pair, signed with SHA-256.
 * `serial` must be unique per key (its bytes are used as given, at most 20).
 */
export async function selfSignedCertificate(options: {
  commonName: string;
  publicKey: CryptoKey;
  privateKey: CryptoKey; // RSASSA-PKCS1-v1_5 SHA-256
  notBefore: Date;
  notAfter: Date;
  serial: Uint8Array;
}): Promise<Uint8Array<ArrayBuffer>> {
  const spki = new Uint8Array((await crypto.subtle.exportKey('spki', options.publicKey)) as ArrayBuffer);
  const algorithm = seq(SHA256_WITH_RSA, NULL);
  const name = seq(tlv(0x31, seq(COMMON_NAME, utf8String(options.commonName))));
  const tbs = seq(
    positiveInteger(options.serial.slice(0, 20)),
    algorithm,
    name,
    seq(certificateTime(options.notBefore), certificateTime(options.notAfter)),
    name,
    spki,
  );
  const signature = new Uint8Array(
    await crypto.subtle.sign('RSASSA-PKCS1-v1_5', options.privateKey, tbs as Uint8Array<ArrayBuffer>),
  );
  return seq(tbs, algorithm, tlv(0x03, new Uint8Array([0]), signature)) as Uint8Array<ArrayBuffer>;
}

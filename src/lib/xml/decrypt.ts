// XML Encryption, receiving side: the element inside an xenc:EncryptedData (a SAML
// EncryptedAssertion), its content key transported with RSA-OAEP to our private key.
// Accepted: key transport rsa-oaep-mgf1p (SHA-1) and xmlenc11 rsa-oaep (same digest and MGF1
// hash); content AES-128/256 in GCM or CBC. RSA PKCS#1 v1.5 key transport is refused.
// Every failure is the same XmlSecurityError to the caller (no padding oracle in the answers).
import { NS, base64Decode, childElements, onlyChild, strictTextOf } from './dom';
import { parseXml, XmlSecurityError, type ParseLimits, type XmlElement } from './parse';

const CONTENT: Record<string, { name: 'AES-GCM' | 'AES-CBC'; bytes: number }> = {
  'http://www.w3.org/2001/04/xmlenc#aes128-cbc': { name: 'AES-CBC', bytes: 16 },
  'http://www.w3.org/2001/04/xmlenc#aes256-cbc': { name: 'AES-CBC', bytes: 32 },
  'http://www.w3.org/2009/xmlenc11#aes128-gcm': { name: 'AES-GCM', bytes: 16 },
  'http://www.w3.org/2009/xmlenc11#aes256-gcm': { name: 'AES-GCM', bytes: 32 },
};
const RSA_OAEP_MGF1P = 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p';
const RSA_OAEP_11 = 'http://www.w3.org/2009/xmlenc11#rsa-oaep';
const SHA1 = 'http://www.w3.org/2000/09/xmldsig#sha1';
const DIGESTS: Record<string, string> = {
  [SHA1]: 'SHA-1',
  'http://www.w3.org/2001/04/xmlenc#sha256': 'SHA-256',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'SHA-512',
};
const MGFS: Record<string, string> = {
  'http://www.w3.org/2009/xmlenc11#mgf1sha1': 'SHA-1',
  'http://www.w3.org/2009/xmlenc11#mgf1sha256': 'SHA-256',
  'http://www.w3.org/2009/xmlenc11#mgf1sha512': 'SHA-512',
};

const fail = (reason: string): never => {
  throw new XmlSecurityError(reason);
};

function cipherValue(el: XmlElement): Uint8Array<ArrayBuffer> {
  const data = onlyChild(el, NS.xenc, 'CipherData') ?? fail('no CipherData');
  return base64Decode(strictTextOf(onlyChild(data, NS.xenc, 'CipherValue') ?? fail('no CipherValue')));
}

/** The OAEP hash of an EncryptedKey's method (digest and MGF1 must agree: WebCrypto uses one). */
function oaepHash(method: XmlElement): string {
  const algorithm = method.getAttribute('Algorithm');
  const digest = DIGESTS[onlyChild(method, NS.ds, 'DigestMethod')?.getAttribute('Algorithm') ?? SHA1];
  if (!digest) return fail('unsupported OAEP digest');
  if (algorithm === RSA_OAEP_MGF1P) return digest === 'SHA-1' ? digest : fail('mgf1p needs SHA-1');
  if (algorithm === RSA_OAEP_11) {
    const mgf = MGFS[onlyChild(method, NS.xenc11, 'MGF')?.getAttribute('Algorithm') ?? 'http://www.w3.org/2009/xmlenc11#mgf1sha1'];
    return mgf === digest ? digest : fail('OAEP digest and MGF1 hash differ');
  }
  return fail('unsupported key transport');
}

async function contentKey(encryptedKey: XmlElement, privateKeyPkcs8: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const method = onlyChild(encryptedKey, NS.xenc, 'EncryptionMethod') ?? fail('no key transport method');
  const hash = oaepHash(method);
  const key = await crypto.subtle.importKey('pkcs8', privateKeyPkcs8, { name: 'RSA-OAEP', hash }, false, ['decrypt']);
  return new Uint8Array(await crypto.subtle.decrypt({ name: 'RSA-OAEP' }, key, cipherValue(encryptedKey)));
}

/** AES-CBC as XML Encryption pads it (ISO 10126: only the last byte is defined), via WebCrypto. */
async function decryptCbc(raw: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  if (data.length < 32 || data.length % 16 !== 0) fail('bad CBC length');
  const key = await crypto.subtle.importKey('raw', raw, 'AES-CBC', false, ['encrypt', 'decrypt']);
  const iv = data.slice(0, 16);
  const body = data.slice(16);
  // WebCrypto insists on PKCS#7: append one block that decrypts to a full padding block.
  const last = body.slice(body.length - 16);
  const padBlock = new Uint8Array(16).fill(16);
  const extra = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv: last }, key, padBlock)).slice(0, 16);
  const joined = new Uint8Array(body.length + 16);
  joined.set(body, 0);
  joined.set(extra, body.length);
  const plain = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-CBC', iv }, key, joined));
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > 16) fail('bad CBC padding');
  return plain.slice(0, plain.length - pad);
}

/**
 * Decrypts the xenc:EncryptedData child of `container` (e.g. saml:EncryptedAssertion) with
 * our RSA private key (PKCS#8) and parses the plaintext as its own document, with the same
 * limits as any message. Returns that document's root element.
 */
export async function decryptElement(
  container: XmlElement,
  privateKeyPkcs8: Uint8Array<ArrayBuffer>,
  limits?: ParseLimits,
): Promise<XmlElement> {
  try {
    const encryptedData = onlyChild(container, NS.xenc, 'EncryptedData') ?? fail('no EncryptedData');
    const content = CONTENT[onlyChild(encryptedData, NS.xenc, 'EncryptionMethod')?.getAttribute('Algorithm') ?? ''];
    if (!content) return fail('unsupported content encryption');
    const keyInfo = onlyChild(encryptedData, NS.ds, 'KeyInfo');
    const keys = [
      ...(keyInfo ? childElements(keyInfo, NS.xenc, 'EncryptedKey') : []),
      ...childElements(container, NS.xenc, 'EncryptedKey'),
    ];
    if (keys.length !== 1) fail('exactly one EncryptedKey expected');
    const raw = await contentKey(keys[0]!, privateKeyPkcs8);
    if (raw.length !== content.bytes) fail('content key has the wrong length');
    const data = cipherValue(encryptedData);
    let plain: Uint8Array;
    if (content.name === 'AES-GCM') {
      if (data.length < 12 + 16) fail('bad GCM length');
      const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['decrypt']);
      plain = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: data.slice(0, 12) }, key, data.slice(12)));
    } else {
      plain = await decryptCbc(raw, data);
    }
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(plain);
    return parseXml(text, limits).documentElement!;
  } catch (error) {
    if (error instanceof XmlSecurityError && /DTD|processing|too large|too many|too deep/.test(error.reason)) throw error;
    throw new XmlSecurityError('encrypted element cannot be decrypted');
  }
}

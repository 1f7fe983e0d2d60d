// Enveloped XML signature verification, strict by construction:
// - the trusted certificates come from the caller (metadata) only; KeyInfo is never read;
// - exactly one ds:Signature as a direct child of the element, holding exactly one SignedInfo,
//   one SignatureValue, at most one KeyInfo, no Object;
// - exactly one Reference, whose URI is "#" + the element's own ID (unique in the document):
//   the signed element is the element that contains the Signature, nothing found by lookup;
// - transforms: enveloped-signature then exc-c14n (optionally with an InclusiveNamespaces list);
// - RSA with SHA-256/384/512; SHA-1 (signature or digest) only with allowSha1;
// - DigestValue and SignatureValue are plain text (a comment inside is refused, CVE-2025-29775).
// It returns the element it verified: callers read from that element and nothing else.
import {
  C14N_EXCLUSIVE,
  C14N_EXCLUSIVE_WITH_COMMENTS,
  DIGEST_LENGTH,
  DIGEST_METHODS,
  ENVELOPED_SIGNATURE,
  SIGNATURE_METHODS,
  type Hash,
} from './algorithms';
import { canonicalize } from './c14n';
import { NS, base64Decode, childElements, isElement, strictTextOf } from './dom';
import { NODE, XmlSecurityError, type XmlElement, type XmlNode } from './parse';
import { certificateDer, spkiOfCertificate } from './x509';

export interface VerifyOptions {
  /** Trusted signing certificates (PEM or base64 DER), from the peer's metadata. Any one may sign. */
  certificates: readonly string[];
  /** Accept RSA-SHA1 signatures and SHA-1 digests (weak; a per-source opt-in). */
  allowSha1?: boolean;
  /** The ID attribute of the signed element (SAML 2.0: "ID"). */
  idAttribute?: string;
}

const fail = (reason: string): never => {
  throw new XmlSecurityError(reason);
};

/** The element's children must be exactly these elements, in this order (optional ones marked "?"). */
function expectChildren(el: XmlElement, names: readonly string[], ns: string = NS.ds): XmlElement[] {
  const found: XmlElement[] = [];
  for (const child of Array.from(el.childNodes)) {
    if (isElement(child)) found.push(child);
    else if (child.nodeType === NODE.TEXT && !/\S/.test((child as { data: string } & XmlNode).data)) continue;
    else fail(`unexpected content in ${el.localName}`);
  }
  let i = 0;
  for (const name of names) {
    const optional = name.endsWith('?');
    const local = optional ? name.slice(0, -1) : name;
    const next = found[i];
    if (next && next.namespaceURI === ns && next.localName === local) i++;
    else if (!optional) fail(`${el.localName} must contain ${local}`);
  }
  if (i !== found.length) fail(`unexpected element in ${el.localName}`);
  return found;
}

function algorithmOf(el: XmlElement): string {
  return el.getAttribute('Algorithm') ?? '';
}

function hashAllowed(hash: Hash | undefined, allowSha1: boolean, what: string): Hash {
  if (!hash) return fail(`unsupported ${what}`);
  if (hash === 'SHA-1' && !allowSha1) fail(`SHA-1 ${what} refused`);
  return hash;
}

/** The c14n method element: its algorithm must be exclusive c14n; returns its prefix list. */
function exclusiveC14n(el: XmlElement): { withComments: boolean; prefixes: string[] } {
  const algorithm = algorithmOf(el);
  if (algorithm !== C14N_EXCLUSIVE && algorithm !== C14N_EXCLUSIVE_WITH_COMMENTS) fail('unsupported canonicalization');
  const [inclusive] = expectChildren(el, ['InclusiveNamespaces?'], NS.ec);
  const list = inclusive?.getAttribute('PrefixList') ?? '';
  return { withComments: algorithm === C14N_EXCLUSIVE_WITH_COMMENTS, prefixes: list.split(/\s+/).filter(Boolean) };
}

/** The single direct ds:Signature child, or undefined when the element is unsigned. */
export function signatureOf(el: XmlElement): XmlElement | undefined {
  const signatures = childElements(el, NS.ds, 'Signature');
  if (signatures.length > 1) fail('more than one Signature');
  return signatures[0];
}

function idIsUnique(el: XmlElement, idAttribute: string, id: string): boolean {
  const root = el.ownerDocument?.documentElement;
  if (!root) return false;
  let count = 0;
  const walk = (node: XmlElement): void => {
    for (const attr of Array.from(node.attributes)) {
      if (/^(ID|Id|id|AssertionID)$/.test(attr.localName ?? attr.name) || attr.name === idAttribute) {
        if (attr.value === id) count++;
      }
    }
    for (const child of childElements(node)) walk(child);
  };
  walk(root);
  return count === 1;
}

async function importVerifier(certificate: string, hash: Hash): Promise<CryptoKey> {
  const spki = spkiOfCertificate(certificateDer(certificate));
  return crypto.subtle.importKey('spki', spki, { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['verify']);
}

/**
 * Verifies the enveloped signature of `element` with one of `options.certificates`; returns the
 * element when the signature holds, throws XmlSecurityError otherwise.
 */
export async function verifyEnvelopedSignature(element: XmlElement, options: VerifyOptions): Promise<XmlElement> {
  const allowSha1 = options.allowSha1 ?? false;
  const idAttribute = options.idAttribute ?? 'ID';
  if (options.certificates.length === 0) fail('no trusted certificate');

  const signature = signatureOf(element) ?? fail('element is not signed');
  const [signedInfo, signatureValueEl] = expectChildren(signature, ['SignedInfo', 'SignatureValue', 'KeyInfo?']);
  const [c14nMethod, signatureMethod, reference] = expectChildren(signedInfo!, [
    'CanonicalizationMethod',
    'SignatureMethod',
    'Reference',
  ]);
  const signedInfoC14n = exclusiveC14n(c14nMethod!);
  expectChildren(signatureMethod!, []);
  const signatureHash = hashAllowed(SIGNATURE_METHODS[algorithmOf(signatureMethod!)], allowSha1, 'signature method');

  // The reference names the element that contains the signature, by its own unique ID.
  const id = element.getAttribute(idAttribute) ?? '';
  if (!id) fail('signed element has no ID');
  if (reference!.getAttribute('URI') !== `#${id}`) fail('reference does not name the signed element');
  if (!idIsUnique(element, idAttribute, id)) fail('ID is not unique in the document');

  const [transforms, digestMethod, digestValueEl] = expectChildren(reference!, [
    'Transforms',
    'DigestMethod',
    'DigestValue',
  ]);
  const transformList = expectChildren(transforms!, ['Transform', 'Transform?']);
  if (algorithmOf(transformList[0]!) !== ENVELOPED_SIGNATURE) fail('first transform must be enveloped-signature');
  expectChildren(transformList[0]!, []);
  if (!transformList[1]) fail('exclusive canonicalization transform required');
  const referenceC14n = exclusiveC14n(transformList[1]!);
  expectChildren(digestMethod!, []);
  const digestHash = hashAllowed(DIGEST_METHODS[algorithmOf(digestMethod!)], allowSha1, 'digest method');
  const expectedDigest = base64Decode(strictTextOf(digestValueEl!));
  if (expectedDigest.length !== DIGEST_LENGTH[digestHash]) fail('digest has the wrong length');
  const signatureValue = base64Decode(strictTextOf(signatureValueEl!));

  // SignedInfo first: nothing of the reference counts unless the trusted key signed it.
  const signedBytes = new TextEncoder().encode(
    canonicalize(signedInfo!, { withComments: signedInfoC14n.withComments, inclusivePrefixes: signedInfoC14n.prefixes }),
  );
  let signed = false;
  for (const certificate of options.certificates) {
    const key = await importVerifier(certificate, signatureHash);
    if (await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, signatureValue, signedBytes)) {
      signed = true;
      break;
    }
  }
  if (!signed) fail('signature does not verify with a trusted certificate');

  // A same-document "#id" reference drops comments before the transforms (XMLDSig 4.4.3.3).
  const content = canonicalize(element, { exclude: signature, inclusivePrefixes: referenceC14n.prefixes });
  const digest = new Uint8Array(await crypto.subtle.digest(digestHash, new TextEncoder().encode(content)));
  if (!crypto.subtle.timingSafeEqual(digest, expectedDigest)) fail('digest does not match the signed element');
  return element;
}

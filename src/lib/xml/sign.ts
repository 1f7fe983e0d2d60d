// Enveloped XML signing: RSA-SHA256 over exclusive c14n, one Reference to the element's own ID,
// the shape verifyEnvelopedSignature (and xmlsec1, pysaml2, python3-saml) accept.
import { C14N_EXCLUSIVE, ENVELOPED_SIGNATURE, RSA_SHA256, SHA256 } from './algorithms';
import { canonicalize } from './c14n';
import { NS, base64Encode } from './dom';
import { XmlSecurityError, type XmlElement, type XmlNode } from './parse';

export interface SignOptions {
  /** RSASSA-PKCS1-v1_5 with SHA-256, usage "sign". */
  privateKey: CryptoKey;
  /** The signer's certificate (base64 DER) for KeyInfo: informative only, verifiers use metadata. */
  certificate?: string;
  /** Where the Signature goes: before this child (SAML: right after Issuer). Default: first child. */
  insertBefore?: XmlNode | null;
  idAttribute?: string;
}

/** Signs `element` in place (its document changes); returns the inserted ds:Signature. */
export async function signEnveloped(element: XmlElement, options: SignOptions): Promise<XmlElement> {
  const doc = element.ownerDocument;
  const id = element.getAttribute(options.idAttribute ?? 'ID');
  if (!doc || !id) throw new XmlSecurityError('element to sign needs an ID');

  const ds = (name: string, algorithm?: string): XmlElement => {
    const el = doc.createElementNS(NS.ds, `ds:${name}`);
    if (algorithm) el.setAttribute('Algorithm', algorithm);
    return el;
  };
  const append = (parent: XmlElement, ...kids: XmlElement[]): XmlElement => {
    for (const kid of kids) parent.appendChild(kid);
    return parent;
  };

  // The enveloped transform removes the Signature, so digesting before inserting it is the same.
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonicalize(element))));
  const digestValue = ds('DigestValue');
  digestValue.appendChild(doc.createTextNode(base64Encode(digest)));
  const reference = append(
    ds('Reference'),
    append(ds('Transforms'), ds('Transform', ENVELOPED_SIGNATURE), ds('Transform', C14N_EXCLUSIVE)),
    ds('DigestMethod', SHA256),
    digestValue,
  );
  reference.setAttribute('URI', `#${id}`);
  const signedInfo = append(ds('SignedInfo'), ds('CanonicalizationMethod', C14N_EXCLUSIVE), ds('SignatureMethod', RSA_SHA256), reference);
  const signatureValue = ds('SignatureValue');
  const signature = append(ds('Signature'), signedInfo, signatureValue);
  signature.setAttributeNS('http://www.w3.org/2000/xmlns/', 'xmlns:ds', NS.ds);
  if (options.certificate) {
    const cert = ds('X509Certificate');
    cert.appendChild(doc.createTextNode(options.certificate));
    append(signature, append(ds('KeyInfo'), append(ds('X509Data'), cert)));
  }

  const before = options.insertBefore === undefined ? element.firstChild : options.insertBefore;
  element.insertBefore(signature, before);
  const signed = await crypto.subtle.sign(
    'RSASSA-PKCS1-v1_5',
    options.privateKey,
    new TextEncoder().encode(canonicalize(signedInfo)),
  );
  signatureValue.appendChild(doc.createTextNode(base64Encode(new Uint8Array(signed))));
  return signature;
}

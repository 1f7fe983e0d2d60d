// Reading a parsed (and, for SAML, verified) element: direct children by namespace and local
// name, and text as canonical text (comments never truncate a value; CDATA counts as text).
import { NODE, XmlSecurityError, type XmlElement, type XmlNode } from './parse';

export const NS = {
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  dsig11: 'http://www.w3.org/2009/xmldsig11#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
  xenc11: 'http://www.w3.org/2009/xmlenc11#',
  ec: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
} as const;

export function isElement(node: XmlNode | null | undefined): node is XmlElement {
  return !!node && node.nodeType === NODE.ELEMENT;
}

export function is(node: XmlNode | null | undefined, ns: string, localName: string): node is XmlElement {
  return isElement(node) && node.namespaceURI === ns && node.localName === localName;
}

/** Direct element children, optionally only those with this namespace and local name. */
export function childElements(el: XmlElement, ns?: string, localName?: string): XmlElement[] {
  return Array.from(el.childNodes).filter(
    (n): n is XmlElement => isElement(n) && (ns === undefined || (n.namespaceURI === ns && n.localName === localName)),
  );
}

/** The single direct child with this name, undefined when absent; more than one is refused. */
export function onlyChild(el: XmlElement, ns: string, localName: string): XmlElement | undefined {
  const found = childElements(el, ns, localName);
  if (found.length > 1) throw new XmlSecurityError(`more than one ${localName} in ${el.localName}`);
  return found[0];
}

/**
 * The text of an element holding only character data: text and CDATA concatenated, comments
 * skipped (never a place where the value stops). An element child is refused.
 */
export function textOf(el: XmlElement): string {
  let text = '';
  for (const child of Array.from(el.childNodes)) {
    if (child.nodeType === NODE.TEXT || child.nodeType === NODE.CDATA) text += (child as { data: string } & XmlNode).data;
    else if (child.nodeType === NODE.COMMENT) continue;
    else throw new XmlSecurityError(`${el.localName} must hold text only`);
  }
  return text;
}

/** Like textOf but refuses comments too: for values that are digested or decoded (DigestValue…). */
export function strictTextOf(el: XmlElement): string {
  for (const child of Array.from(el.childNodes)) {
    if (child.nodeType !== NODE.TEXT) throw new XmlSecurityError(`${el.localName} must hold plain text only`);
  }
  return textOf(el);
}

/** All descendant elements (document order) with this namespace and local name. */
export function descendants(el: XmlElement, ns: string, localName: string): XmlElement[] {
  return Array.from(el.getElementsByTagNameNS(ns, localName));
}

export function base64Decode(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replace(/[\s]+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) throw new XmlSecurityError('invalid base64');
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function base64Encode(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

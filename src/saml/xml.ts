// The XML the SAML identity provider reads and writes, on the shared XML security core.
// Reading: a hardened parse (no DTD, entities or processing instructions, sizes capped), then
// element and text lookups by namespace; text is read as canonical text (comments never cut it).
// Writing: assertions are built as strings from escaped values (./assertion.ts) and signed here.
import { DOMParser, type Element, type Node } from '@xmldom/xmldom';

export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

export type XmlElement = Element;

export class XmlRefused extends Error {}

/** Escapes text for an element's content or a double-quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/** Parses untrusted XML into its root element, or throws XmlRefused. */
export function parseXml(text: string, maxLength: number): XmlElement {
  if (text.length > maxLength) throw new XmlRefused(`The XML is larger than ${maxLength} characters.`);
  if (/<!DOCTYPE|<!ENTITY|<\?(?!xml[\s?])/i.test(text)) throw new XmlRefused('The XML contains a DTD, an entity declaration or a processing instruction.');
  let root: Element | null;
  try {
    const doc = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new XmlRefused(`The XML is not well-formed: ${message}`);
      },
    }).parseFromString(text, 'application/xml');
    root = doc.documentElement;
  } catch (error) {
    throw error instanceof XmlRefused ? error : new XmlRefused('The XML is not well-formed.');
  }
  if (!root) throw new XmlRefused('The XML has no root element.');
  return root;
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_NODE = 4;

/** The element children of `parent` with this namespace and local name, in document order. */
export function children(parent: XmlElement, ns: string, localName: string): XmlElement[] {
  const found: XmlElement[] = [];
  for (let node: Node | null = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === ELEMENT_NODE) {
      const el = node as Element;
      if (el.namespaceURI === ns && el.localName === localName) found.push(el);
    }
  }
  return found;
}

/** The only such child, or null when there is none; throws XmlRefused when there are several. */
export function onlyChild(parent: XmlElement, ns: string, localName: string): XmlElement | null {
  const list = children(parent, ns, localName);
  if (list.length > 1) throw new XmlRefused(`More than one ${localName} in ${parent.localName}.`);
  return list[0] ?? null;
}

/** The element's text: its text and CDATA children joined (comments and elements contribute nothing), trimmed. */
export function textOf(el: XmlElement): string {
  let text = '';
  for (let node: Node | null = el.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_NODE) text += (node as unknown as { data: string }).data;
  }
  return text.trim();
}

/** An attribute's value, or undefined when absent. */
export function attr(el: XmlElement, name: string): string | undefined {
  return el.hasAttribute(name) ? el.getAttribute(name)! : undefined;
}

export const isElement = (el: XmlElement, ns: string, localName: string) => el.namespaceURI === ns && el.localName === localName;

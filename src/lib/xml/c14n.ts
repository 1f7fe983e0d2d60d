// Exclusive XML Canonicalization 1.0 (https://www.w3.org/TR/xml-exc-c14n/), with and without
// comments, with an InclusiveNamespaces PrefixList, of one element subtree (the apex) and
// optionally without one descendant (the enveloped Signature). Pure; no I/O.
import { NODE, XmlSecurityError, type XmlElement, type XmlNode } from './parse';

export interface C14nOptions {
  withComments?: boolean;
  /** InclusiveNamespaces PrefixList: prefixes treated as in inclusive c14n ("#default" for xmlns). */
  inclusivePrefixes?: readonly string[];
  /** A descendant left out with its subtree (the enveloped-signature transform). */
  exclude?: XmlNode | null;
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
}

function escapeAttribute(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;')
    .replace(/\r/g, '&#xD;');
}

/** Namespace URI bound to `prefix` ('' = default) where `element` stands, or '' when unbound. */
function inScope(element: XmlElement, prefix: string): string {
  for (let node: XmlNode | null = element; node && node.nodeType === NODE.ELEMENT; node = node.parentNode) {
    const el = node as XmlElement;
    const name = prefix === '' ? 'xmlns' : `xmlns:${prefix}`;
    const decl = el.getAttributeNode(name);
    if (decl) return decl.value;
  }
  return '';
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Canonical form of `apex` and its descendants, as a string (UTF-8 encode it to digest). */
export function canonicalize(apex: XmlElement, options: C14nOptions = {}): string {
  const withComments = options.withComments ?? false;
  const inclusive = new Set((options.inclusivePrefixes ?? []).map((p) => (p === '#default' ? '' : p)));
  const out: string[] = [];

  // `rendered`: prefix → URI as declared by the nearest output ancestor ('' default = none).
  const element = (el: XmlElement, rendered: Map<string, string>): void => {
    const own = new Map(rendered);
    const declarations: [string, string][] = [];
    const consider = (prefix: string, uri: string): void => {
      if (prefix === 'xml') return;
      const previous = own.get(prefix) ?? '';
      if (previous === uri) return;
      if (prefix !== '' && uri === '') return; // an unbound prefix is never undeclared in c14n 1.0
      own.set(prefix, uri);
      declarations.push([prefix, uri]);
    };

    // Visibly utilized: the element's own prefix, and each prefixed attribute's.
    consider(el.prefix ?? '', el.namespaceURI ?? '');
    const attributes: { ns: string; local: string; qname: string; value: string }[] = [];
    for (const attr of Array.from(el.attributes)) {
      if (attr.namespaceURI === XMLNS_NS || attr.name === 'xmlns' || attr.name.startsWith('xmlns:')) continue;
      const ns = attr.namespaceURI ?? '';
      if (attr.prefix && ns !== XML_NS) consider(attr.prefix, ns);
      attributes.push({ ns, local: attr.localName ?? attr.name, qname: attr.name, value: attr.value });
    }
    // InclusiveNamespaces: rendered as inclusive c14n would, when in scope and not yet in output.
    for (const prefix of inclusive) {
      const uri = inScope(el, prefix);
      if (uri !== '' || prefix === '') consider(prefix, uri);
    }

    declarations.sort((a, b) => compareCodeUnits(a[0], b[0])); // '' (default) sorts first
    attributes.sort((a, b) => compareCodeUnits(a.ns, b.ns) || compareCodeUnits(a.local, b.local));

    out.push('<', el.tagName);
    for (const [prefix, uri] of declarations) {
      out.push(prefix === '' ? ' xmlns="' : ` xmlns:${prefix}="`, escapeAttribute(uri), '"');
    }
    for (const a of attributes) out.push(' ', a.qname, '="', escapeAttribute(a.value), '"');
    out.push('>');
    for (const child of Array.from(el.childNodes)) node(child, own);
    out.push('</', el.tagName, '>');
  };

  const node = (n: XmlNode, rendered: Map<string, string>): void => {
    if (n === options.exclude) return;
    switch (n.nodeType) {
      case NODE.ELEMENT:
        return element(n as XmlElement, rendered);
      case NODE.TEXT:
      case NODE.CDATA:
        out.push(escapeText((n as { data: string } & XmlNode).data));
        return;
      case NODE.COMMENT:
        if (withComments) out.push('<!--', (n as { data: string } & XmlNode).data, '-->');
        return;
      default:
        throw new XmlSecurityError(`node type ${n.nodeType} cannot be canonicalized`);
    }
  };

  element(apex, new Map());
  return out.join('');
}

// Safe XML parsing for hostile input (SAML messages, metadata).
// Refused before the parser sees the text: DTDs, entity declarations, processing instructions
// (other than the leading XML declaration) and anything over the size cap. After parsing: exactly
// one document element, no DocumentType or ProcessingInstruction node, a bounded depth and node count.
import { DOMParser } from '@xmldom/xmldom';

export type XmlDocument = ReturnType<DOMParser['parseFromString']>;
export type XmlElement = NonNullable<XmlDocument['documentElement']>;
export type XmlNode = XmlElement['childNodes'][number];

/** Every refusal of the XML layer: the message is for logs and tests, never shown to a user verbatim. */
export class XmlSecurityError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'XmlSecurityError';
  }
}

export interface ParseLimits {
  /** Characters of input (default 256 KiB: a SAML response with a few certificates is ~10 KiB). */
  maxLength?: number;
  /** Element nesting (default 64). */
  maxDepth?: number;
  /** Nodes of every kind (default 20,000). */
  maxNodes?: number;
}

export const NODE = { ELEMENT: 1, ATTRIBUTE: 2, TEXT: 3, CDATA: 4, PI: 7, COMMENT: 8, DOCUMENT: 9, DOCTYPE: 10 } as const;

const XML_DECLARATION = /^<\?xml\s[^?<>]*\?>/;

/** Refuses what must never reach the parser: declarations (`<!DOCTYPE`, `<!ENTITY`, …) and PIs. */
function refuseMarkupDeclarations(text: string): void {
  const declaration = XML_DECLARATION.exec(text);
  const body = declaration ? text.slice(declaration[0].length) : text;
  if (body.includes('<?')) throw new XmlSecurityError('processing instructions are not accepted');
  // `<!` may only open a comment or a CDATA section; anything else is a DTD or declaration.
  for (let i = body.indexOf('<!'); i !== -1; i = body.indexOf('<!', i + 2)) {
    if (!body.startsWith('<!--', i) && !body.startsWith('<![CDATA[', i)) {
      throw new XmlSecurityError('DTDs and entity declarations are not accepted');
    }
  }
}

/** Parses `text` into a document, or throws XmlSecurityError. */
export function parseXml(text: string, limits: ParseLimits = {}): XmlDocument {
  const maxLength = limits.maxLength ?? 256 * 1024;
  if (typeof text !== 'string' || text.length === 0) throw new XmlSecurityError('empty document');
  if (text.length > maxLength) throw new XmlSecurityError('document too large');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = text.replace(/^\s+/, '');
  refuseMarkupDeclarations(text);

  let doc: XmlDocument;
  try {
    doc = new DOMParser({
      locator: false,
      onError: (level, message) => {
        throw new XmlSecurityError(`malformed XML (${level}): ${message}`);
      },
    }).parseFromString(text, 'text/xml');
  } catch (error) {
    if (error instanceof XmlSecurityError) throw error;
    const cause = (error as Error)?.cause;
    if (cause instanceof XmlSecurityError) throw cause;
    throw new XmlSecurityError(`malformed XML: ${(error as Error)?.message ?? 'unknown'}`);
  }

  // xmldom keeps the XML declaration as a node named "xml"; refuseMarkupDeclarations allowed only that one.
  const isDeclaration = (n: XmlNode) => n.nodeType === NODE.PI && n.nodeName === 'xml';
  const isBlank = (n: XmlNode) => n.nodeType === NODE.TEXT && !/\S/.test((n as { data: string } & XmlNode).data);
  const roots = Array.from(doc.childNodes).filter((n) => n.nodeType !== NODE.COMMENT && !isDeclaration(n) && !isBlank(n));
  if (roots.length !== 1 || roots[0]!.nodeType !== NODE.ELEMENT || !doc.documentElement) {
    throw new XmlSecurityError('a document must have exactly one root element');
  }
  checkTree(doc.documentElement, limits.maxDepth ?? 64, limits.maxNodes ?? 20_000);
  return doc;
}

function checkTree(root: XmlElement, maxDepth: number, maxNodes: number): void {
  let count = 0;
  const walk = (node: XmlNode, depth: number): void => {
    if (++count > maxNodes) throw new XmlSecurityError('too many nodes');
    if (depth > maxDepth) throw new XmlSecurityError('nesting too deep');
    if (node.nodeType === NODE.PI || node.nodeType === NODE.DOCTYPE) {
      throw new XmlSecurityError('processing instructions and DTDs are not accepted');
    }
    if (node.nodeType === NODE.ELEMENT) {
      for (const child of Array.from(node.childNodes)) walk(child, depth + 1);
    }
  };
  walk(root, 1);
}

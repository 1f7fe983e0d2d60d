import { XMLSerializer } from '@xmldom/xmldom';
import type { XmlDocument, XmlNode } from './parse';

/** Serializes a document or node (what was signed in memory serializes to the same canonical form). */
export function serializeXml(node: XmlDocument | XmlNode): string {
  return new XMLSerializer().serializeToString(node as Parameters<XMLSerializer['serializeToString']>[0]);
}

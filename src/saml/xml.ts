// The XML the SAML identity provider reads and writes, on the XML security core (src/lib/xml/):
// reading is the core's hardened parse (no DTD, entities or processing instructions, sizes
// capped) and its canonical-text lookups; writing builds strings from escaped values.
import { parseXml, XmlSecurityError, type XmlElement } from '../lib/xml';

export { NS, childElements, onlyChild, textOf, type XmlElement } from '../lib/xml';

/** Escapes text for an element's content or a double-quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/** The root element of untrusted XML, or the reason it is refused (for the admin or the page; never a stack). */
export function parseRoot(text: string, maxLength: number): { ok: true; root: XmlElement } | { ok: false; reason: string } {
  try {
    return { ok: true, root: parseXml(text, { maxLength }).documentElement! };
  } catch (error) {
    if (error instanceof XmlSecurityError) return { ok: false, reason: error.reason };
    throw error;
  }
}

/** Runs a reading of parsed XML; an XmlSecurityError (two Issuers, an element inside a text value) becomes its reason. */
export function reading<T>(read: () => T): T | { refused: string } {
  try {
    return read();
  } catch (error) {
    if (error instanceof XmlSecurityError) return { refused: error.reason };
    throw error;
  }
}

/** An attribute's value, or undefined when absent. */
export function attr(el: XmlElement, name: string): string | undefined {
  return el.hasAttribute(name) ? el.getAttribute(name)! : undefined;
}

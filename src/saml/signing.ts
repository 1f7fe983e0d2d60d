// Signs what edge-sso posts to an SP, and verifies what an SP signs, on the XML security core
// (src/lib/xml/): enveloped RSA-SHA256 signatures with exclusive canonicalization, placed right
// after the element's Issuer (the schema's order), with the active key's certificate in KeyInfo.
// The keys that verify an SP's requests come from its registered metadata only.
import type { SamlSignedPart } from '../db/schema';
import { onlyChild, parseXml, serializeXml, signatureOf, signEnveloped, verifyEnvelopedSignature, XmlSecurityError, NS, type XmlElement } from '../lib/xml';
import type { SamlSigningKey } from '../tokens/certificates';

async function signAfterIssuer(element: XmlElement, key: SamlSigningKey): Promise<void> {
  const issuer = onlyChild(element, NS.saml, 'Issuer');
  if (!issuer) throw new Error(`${element.localName} to sign has no Issuer`);
  await signEnveloped(element, { privateKey: key.privateKey, certificate: key.certificate, insertBefore: issuer.nextSibling });
}

/**
 * Signs a Response built by ./assertion.ts: its assertion, the Response itself, or both (the
 * assertion first, so the Response's signature covers the signed assertion).
 */
export async function signResponse(xml: string, part: SamlSignedPart, key: SamlSigningKey): Promise<string> {
  const doc = parseXml(xml);
  const response = doc.documentElement!;
  const assertion = onlyChild(response, NS.saml, 'Assertion');
  if (assertion && part !== 'response') await signAfterIssuer(assertion, key);
  if (part !== 'assertion' || !assertion) await signAfterIssuer(response, key);
  return serializeXml(doc);
}

/**
 * An HTTP-POST AuthnRequest's enveloped signature, checked with the SP's certificates from its
 * metadata (never a KeyInfo). `element` is the request's root: what is read is what is verified.
 */
export async function verifyPostSignature(element: XmlElement, certificates: readonly string[]): Promise<'valid' | 'unsigned' | { invalid: string }> {
  try {
    if (!signatureOf(element)) return 'unsigned';
    if (certificates.length === 0) return { invalid: 'The request is signed, but the application’s metadata has no certificate to verify it with.' };
    await verifyEnvelopedSignature(element, { certificates });
    return 'valid';
  } catch (error) {
    if (error instanceof XmlSecurityError) return { invalid: `The request’s signature is refused: ${error.reason}.` };
    throw error;
  }
}

// Signs what edge-sso posts to an SP, and verifies what an SP signs, on the XML security core:
// enveloped RSA-SHA256 signatures with exclusive canonicalization, placed after the element's
// Issuer (the schema's order), with the active key's certificate in KeyInfo. Keys that verify an
// SP's requests come from its registered metadata only, never from the message.
import type { SamlSignedPart } from '../db/schema';
import type { SamlSigningKey } from '../tokens/certificates';
import { MAX_MESSAGE_BYTES } from './bindings';
import { children, NS, parseXml } from './xml';

export async function signResponse(_xml: string, _ids: { response: string; assertion?: string }, _part: SamlSignedPart, _key: SamlSigningKey): Promise<string> {
  throw new Error('XML signing is not available until the XML core is merged');
}

/** An HTTP-POST AuthnRequest's enveloped signature, checked with the SP's certificates from its metadata. */
export async function verifyPostSignature(xml: string, _certificates: readonly string[]): Promise<'valid' | 'unsigned' | { invalid: string }> {
  const root = parseXml(xml, MAX_MESSAGE_BYTES);
  if (children(root, NS.dsig, 'Signature').length === 0) return 'unsigned';
  throw new Error('XML signature verification is not available until the XML core is merged');
}

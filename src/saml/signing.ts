// Signs what edge-sso posts to an SP, on the XML security core: an enveloped RSA-SHA256
// signature with exclusive canonicalization, placed after the element's Issuer (the schema's
// order), with the active key's certificate in KeyInfo. The app chooses which part is signed.
import type { SamlSignedPart } from '../db/schema';
import type { SamlSigningKey } from '../tokens/certificates';

export async function signResponse(_xml: string, _ids: { response: string; assertion?: string }, _part: SamlSignedPart, _key: SamlSigningKey): Promise<string> {
  throw new Error('XML signing is not available until the XML core is merged');
}

/** An HTTP-POST AuthnRequest's enveloped signature, checked with the SP's certificates from its metadata. */
export async function verifyPostSignature(_xml: string, _certificates: readonly string[]): Promise<'valid' | 'unsigned' | { invalid: string }> {
  throw new Error('XML signature verification is not available until the XML core is merged');
}

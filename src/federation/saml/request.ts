// The AuthnRequest edge-sso sends: HTTP-Redirect (deflated, in the query) when the IdP offers
// it, else HTTP-POST (an auto-submitted form). The response's InResponseTo, checked against the
// ID sealed in this browser's attempt cookie, is what ties the answer to the request; the request
// is signed (RSA-SHA256) when the IdP asks for it or the source says so: for HTTP-Redirect over
// the query string (SAML Bindings §3.4.4.1: SAMLRequest, RelayState, SigAlg, exactly as sent),
// for HTTP-POST with an enveloped signature after the Issuer.
import { base64Encode, NS, onlyChild, parseXml, serializeXml, signEnveloped } from '../../lib/xml';
import { BINDING_POST } from './metadata';

export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/>/g, '&gt;');

export function authnRequestXml(options: { id: string; destination: string; spEntityId: string; acsUrl: string; forceAuthn: boolean; now: Date }): string {
  return (
    `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
    ` ID="${escapeXml(options.id)}" Version="2.0" IssueInstant="${options.now.toISOString().replace(/\.\d{3}Z$/, 'Z')}"` +
    ` Destination="${escapeXml(options.destination)}" AssertionConsumerServiceURL="${escapeXml(options.acsUrl)}"` +
    ` ProtocolBinding="${BINDING_POST}"${options.forceAuthn ? ' ForceAuthn="true"' : ''}>` +
    `<saml:Issuer>${escapeXml(options.spEntityId)}</saml:Issuer>` +
    `<samlp:NameIDPolicy AllowCreate="true"/>` +
    `</samlp:AuthnRequest>`
  );
}

async function deflateRaw(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * HTTP-Redirect binding: the IdP's SSO URL with SAMLRequest and RelayState added to its query;
 * with a key, also SigAlg and a Signature over `SAMLRequest=…&RelayState=…&SigAlg=…` as encoded here.
 */
export async function redirectBindingUrl(ssoUrl: string, requestXml: string, relayState: string, signingKey?: CryptoKey | null): Promise<string> {
  const params = new URLSearchParams({ SAMLRequest: base64Encode(await deflateRaw(requestXml)), RelayState: relayState });
  if (signingKey) params.append('SigAlg', RSA_SHA256);
  let query = params.toString();
  if (signingKey) {
    const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', signingKey, new TextEncoder().encode(query));
    query += `&${new URLSearchParams({ Signature: base64Encode(new Uint8Array(signature)) })}`;
  }
  const url = new URL(ssoUrl);
  return `${url.href}${url.search ? '&' : '?'}${query}`;
}

/** HTTP-POST binding: the fields of the auto-submitted form (the request signed when a key is given). */
export async function postBindingFields(requestXml: string, relayState: string, signing?: { key: CryptoKey; certificate: string } | null): Promise<Record<string, string>> {
  let xml = requestXml;
  if (signing) {
    const doc = parseXml(requestXml);
    const root = doc.documentElement!;
    await signEnveloped(root, { privateKey: signing.key, certificate: signing.certificate, insertBefore: onlyChild(root, NS.saml, 'Issuer')?.nextSibling ?? null });
    xml = serializeXml(doc);
  }
  return { SAMLRequest: base64Encode(new TextEncoder().encode(xml)), RelayState: relayState };
}

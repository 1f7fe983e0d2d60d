// The AuthnRequest edge-sso sends: HTTP-Redirect (deflated, in the query) when the IdP offers
// it, else HTTP-POST (an auto-submitted form). Unsigned: the response's InResponseTo, checked
// against the ID sealed in this browser's attempt cookie, is what ties the answer to the request.
import { base64Encode } from '../../lib/xml';
import { BINDING_POST } from './metadata';

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

/** HTTP-Redirect binding: the IdP's SSO URL with SAMLRequest and RelayState added to its query. */
export async function redirectBindingUrl(ssoUrl: string, requestXml: string, relayState: string): Promise<URL> {
  const url = new URL(ssoUrl);
  url.searchParams.append('SAMLRequest', base64Encode(await deflateRaw(requestXml)));
  url.searchParams.append('RelayState', relayState);
  return url;
}

/** HTTP-POST binding: the fields of the auto-submitted form. */
export function postBindingFields(requestXml: string, relayState: string): Record<string, string> {
  return { SAMLRequest: base64Encode(new TextEncoder().encode(requestXml)), RelayState: relayState };
}

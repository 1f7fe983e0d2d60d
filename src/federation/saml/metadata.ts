// SAML metadata, both directions. Reading an IdP's EntityDescriptor (pasted or fetched from its
// metadata URL): entity ID, SingleSignOnService endpoints and every signing certificate (several
// while a rollover overlaps). Writing ours: the SP EntityDescriptor the IdP's admin imports.
// Metadata is trusted as the admin's configuration (typed in, or fetched over https from the URL
// they gave); its own signature is not checked.
import { NS, childElements, descendants, parseXml, spkiOfCertificate, certificateDer, textOf, XmlSecurityError, type XmlElement } from '../../lib/xml';
import { isLoopbackUrl } from '../urls';

export const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
export const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
export const NAMEID_PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
export const NAMEID_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
export const NAMEID_UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';

export interface IdpMetadata {
  entity_id: string;
  /** HTTP-Redirect SingleSignOnService, when offered (preferred). */
  sso_redirect?: string;
  /** HTTP-POST SingleSignOnService, used only when there is no HTTP-Redirect one. */
  sso_post?: string;
  /** Base64 DER signing certificates (use="signing" or no use), deduplicated, in document order. */
  certificates: string[];
  /** The IdP's WantAuthnRequestsSigned: it refuses unsigned AuthnRequests. */
  wants_signed_requests: boolean;
}

const MAX_CERTIFICATES = 10;

/** https (http only on loopback), no userinfo or fragment; a query is allowed (Google's ?idpid=). */
export function usableLocation(location: string): boolean {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackUrl(url))) return false;
  return !url.username && !url.password && !url.hash && location.length <= 2000;
}

/** Parses IdP metadata; a message (completing "metadata …") when it is not usable. */
export function parseIdpMetadata(xml: string): IdpMetadata | string {
  let root: XmlElement;
  try {
    root = parseXml(xml, { maxLength: 512 * 1024, maxNodes: 50_000 }).documentElement!;
  } catch (error) {
    return `is not acceptable XML (${(error as XmlSecurityError).reason ?? 'malformed'})`;
  }
  // An EntitiesDescriptor holding exactly one IdP is accepted too (some IdPs publish that).
  let entity: XmlElement | undefined = root;
  if (root.namespaceURI === NS.md && root.localName === 'EntitiesDescriptor') {
    const idps = descendants(root, NS.md, 'EntityDescriptor').filter((e) => childElements(e, NS.md, 'IDPSSODescriptor').length > 0);
    if (idps.length !== 1) return 'must describe exactly one identity provider';
    entity = idps[0];
  }
  if (!entity || entity.namespaceURI !== NS.md || entity.localName !== 'EntityDescriptor') return 'must be a SAML 2.0 EntityDescriptor';
  const entityId = entity.getAttribute('entityID') ?? '';
  if (!entityId || entityId.length > 1024) return 'has no entityID';
  const idp = childElements(entity, NS.md, 'IDPSSODescriptor');
  if (idp.length !== 1) return 'must have exactly one IDPSSODescriptor';
  const descriptor = idp[0]!;

  const endpoint = (binding: string): string | undefined => {
    for (const sso of childElements(descriptor, NS.md, 'SingleSignOnService')) {
      if (sso.getAttribute('Binding') !== binding) continue;
      const location = sso.getAttribute('Location') ?? '';
      if (usableLocation(location)) return location;
    }
    return undefined;
  };
  const ssoRedirect = endpoint(BINDING_REDIRECT);
  const ssoPost = endpoint(BINDING_POST);
  if (!ssoRedirect && !ssoPost) return 'has no usable SingleSignOnService (HTTP-Redirect or HTTP-POST, https)';

  const certificates: string[] = [];
  for (const keyDescriptor of childElements(descriptor, NS.md, 'KeyDescriptor')) {
    const use = keyDescriptor.getAttribute('use');
    if (use && use !== 'signing') continue;
    for (const cert of descendants(keyDescriptor, NS.ds, 'X509Certificate')) {
      const b64 = textOf(cert).replace(/\s+/g, '');
      try {
        spkiOfCertificate(certificateDer(b64));
      } catch {
        return 'has a signing certificate that cannot be read';
      }
      if (!certificates.includes(b64)) certificates.push(b64);
    }
  }
  if (certificates.length === 0) return 'has no signing certificate';
  if (certificates.length > MAX_CERTIFICATES) return `has more than ${MAX_CERTIFICATES} signing certificates`;
  return { entity_id: entityId, sso_redirect: ssoRedirect, sso_post: ssoPost, certificates, wants_signed_requests: descriptor.getAttribute('WantAuthnRequestsSigned') === 'true' };
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/>/g, '&gt;');

/** Our SP metadata: signed assertions wanted, HTTP-POST ACS, the encryption certificate, and the
 * signing certificate of our AuthnRequests (AuthnRequestsSigned says whether this source signs them). */
export function spMetadataXml(options: { entityId: string; acsUrl: string; encryptionCertificate: string; signingCertificate?: string; requestsSigned: boolean }): string {
  const signing = options.signingCertificate
    ? `
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>${options.signingCertificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>`
    : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="${NS.md}" xmlns:ds="${NS.ds}" entityID="${escapeXml(options.entityId)}">
  <md:SPSSODescriptor AuthnRequestsSigned="${options.requestsSigned}" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${signing}
    <md:KeyDescriptor use="encryption">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>${options.encryptionCertificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
      <md:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/>
      <md:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes128-gcm"/>
      <md:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc"/>
      <md:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/>
    </md:KeyDescriptor>
    <md:NameIDFormat>${NAMEID_PERSISTENT}</md:NameIDFormat>
    <md:NameIDFormat>${NAMEID_EMAIL}</md:NameIDFormat>
    <md:AssertionConsumerService Binding="${BINDING_POST}" Location="${escapeXml(options.acsUrl)}" index="0" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
`;
}

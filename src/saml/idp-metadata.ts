// GET /saml/metadata: edge-sso as a SAML identity provider (SAML Metadata §2.4.3). It lists a
// signing certificate for every published RS256 key, so an SP that refreshes metadata knows a
// rotated-in key before its first assertion, and the retiring one while its assertions live.
import { NAME_ID_FORMATS } from '../apps/saml';
import type { PublishedCertificate } from '../tokens/certificates';
import { HTTP_POST, HTTP_REDIRECT } from './sp-metadata';
import { escapeXml as x, NS } from './xml';

/** How long an SP may keep the metadata before fetching it again (validUntil is not set: keys rotate ahead). */
export const METADATA_CACHE_SECONDS = 3600;

export function idpMetadata(input: { entityId: string; ssoUrl: string; certificates: readonly PublishedCertificate[] }): string {
  const keys = input.certificates
    .map(
      (cert) =>
        `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:KeyName>${x(cert.kid)}</ds:KeyName><ds:X509Data><ds:X509Certificate>${cert.certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join('');
  const formats = Object.values(NAME_ID_FORMATS)
    .map((format) => `<md:NameIDFormat>${format}</md:NameIDFormat>`)
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<md:EntityDescriptor xmlns:md="${NS.md}" xmlns:ds="${NS.ds}" entityID="${x(input.entityId)}">` +
    `<md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="${NS.samlp}">` +
    keys +
    formats +
    `<md:SingleSignOnService Binding="${HTTP_REDIRECT}" Location="${x(input.ssoUrl)}"/>` +
    `<md:SingleSignOnService Binding="${HTTP_POST}" Location="${x(input.ssoUrl)}"/>` +
    `</md:IDPSSODescriptor>` +
    `</md:EntityDescriptor>`
  );
}

// SAML attributes → the claims edge-sso's mapping reads. Every attribute is kept under its Name
// (and FriendlyName), so claim_map and group_map may name any of them; the standard fields are
// filled from the names ADFS, Entra ID, Okta, Google Workspace and Shibboleth send.
import { NS, childElements, isElement, textOf, type XmlElement } from '../../lib/xml';

/** Attribute names per profile field, most specific first (URI claims, OIDs, then friendly names). */
export const STANDARD_ATTRIBUTES = {
  email: [
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
    'urn:oid:0.9.2342.19200300.100.1.3',
    'email',
    'mail',
    'emailAddress',
    'Email',
  ],
  given_name: ['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname', 'urn:oid:2.5.4.42', 'givenName', 'given_name', 'firstName', 'first_name', 'FirstName'],
  family_name: ['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname', 'urn:oid:2.5.4.4', 'sn', 'surname', 'family_name', 'lastName', 'last_name', 'LastName'],
  name: ['http://schemas.microsoft.com/identity/claims/displayname', 'urn:oid:2.16.840.1.113730.3.1.241', 'displayName', 'name', 'cn', 'urn:oid:2.5.4.3'],
  username: [
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn',
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
    'urn:oid:1.3.6.1.4.1.5923.1.1.1.6',
    'urn:oid:0.9.2342.19200300.100.1.1',
    'uid',
    'username',
  ],
  groups: [
    'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
    'http://schemas.xmlsoap.org/claims/Group',
    'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
    'urn:oid:1.3.6.1.4.1.5923.1.5.1.1',
    'groups',
    'memberOf',
    'Groups',
  ],
} as const;

const MAX_ATTRIBUTES = 200;
const MAX_VALUES = 200;
const MAX_VALUE_LENGTH = 2048;

/** Attribute name → its values (text only; values with element content are skipped). */
export function readAttributes(assertion: XmlElement): Record<string, string[]> {
  const attributes: Record<string, string[]> = Object.create(null);
  let count = 0;
  for (const statement of childElements(assertion, NS.saml, 'AttributeStatement')) {
    for (const attribute of childElements(statement, NS.saml, 'Attribute')) {
      if (++count > MAX_ATTRIBUTES) return attributes;
      const values: string[] = [];
      for (const value of childElements(attribute, NS.saml, 'AttributeValue')) {
        if (Array.from(value.childNodes).some(isElement)) continue;
        const text = textOf(value);
        if (text.length <= MAX_VALUE_LENGTH && values.length < MAX_VALUES) values.push(text);
      }
      for (const name of [attribute.getAttribute('Name'), attribute.getAttribute('FriendlyName')]) {
        if (!name || name.length > 256 || name === '__proto__') continue;
        attributes[name] = [...(attributes[name] ?? []), ...values];
      }
    }
  }
  return attributes;
}

/** The first standard attribute present for a field. */
export function standardValues(attributes: Record<string, string[]>, field: keyof typeof STANDARD_ATTRIBUTES): string[] | undefined {
  for (const name of STANDARD_ATTRIBUTES[field]) if (attributes[name]?.length) return attributes[name];
  return undefined;
}

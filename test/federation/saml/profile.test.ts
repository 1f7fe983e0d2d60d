// Attribute names as each IdP sends them become the same profile; claim_map overrides any field.
import { describe, expect, it } from 'vitest';
import { mapProfile } from '../../../src/federation/mapping';
import { presetFor } from '../../../src/federation/registry';
import { profileFromAssertion } from '../../../src/federation/saml/profile';
import type { ValidatedAssertion } from '../../../src/federation/saml/response';

const assertion = (attributes: Record<string, string[]>, nameIdFormat = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'): ValidatedAssertion => ({
  assertionId: '_a',
  expiresAt: 0,
  nameId: 'subject-1',
  nameIdFormat,
  attributes,
});

const ADFS = {
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': ['ada@contoso.com'],
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname': ['Ada'],
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname': ['Lovelace'],
  'http://schemas.xmlsoap.org/claims/Group': ['Domain Users', 'Payroll'],
};
const ENTRA = {
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': ['ada@contoso.com'],
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name': ['ada@contoso.onmicrosoft.com'],
  'http://schemas.microsoft.com/identity/claims/displayname': ['Ada Lovelace'],
  'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': ['6f1c…', '9a2e…'],
};
const OKTA_GOOGLE = { email: ['ada@contoso.com'], firstName: ['Ada'], lastName: ['Lovelace'], groups: ['Payroll'] };
const SHIBBOLETH = {
  'urn:oid:0.9.2342.19200300.100.1.3': ['ada@contoso.com'],
  'urn:oid:2.5.4.42': ['Ada'],
  'urn:oid:2.5.4.4': ['Lovelace'],
  'urn:oid:2.16.840.1.113730.3.1.241': ['Ada Lovelace'],
  'urn:oid:1.3.6.1.4.1.5923.1.5.1.1': ['Payroll'],
};

describe('profileFromAssertion', () => {
  it.each([
    ['adfs-saml', ADFS],
    ['entra-saml', ENTRA],
    ['okta-saml', OKTA_GOOGLE],
    ['google-saml', OKTA_GOOGLE],
    ['saml', SHIBBOLETH],
  ] as const)('%s: reads email, names and groups from the names that IdP sends', (type, attributes) => {
    const profile = profileFromAssertion(assertion(attributes), presetFor(type));
    expect(profile.subject).toBe('subject-1');
    expect(profile.email).toBe('ada@contoso.com');
    expect(profile.groups.length).toBeGreaterThan(0);
    expect(profile.email_verified).toBe(['adfs-saml', 'okta-saml', 'google-saml'].includes(type));
    const mapped = mapProfile(profile, {}, { claim: presetFor(type).default_group_claim ?? 'groups', prefix: '', rename: {} });
    expect(mapped.groups).toEqual(profile.groups);
  });

  it('lets claim_map name any attribute, and group_map its groups attribute', () => {
    const profile = profileFromAssertion(assertion({ ...SHIBBOLETH, 'urn:oid:1.2.840.113549.1.9.1': ['other@contoso.com'], roles: ['admins'] }), presetFor('saml'));
    const mapped = mapProfile(profile, { email: 'urn:oid:1.2.840.113549.1.9.1' }, { claim: 'roles', prefix: 'idp:', rename: {} });
    expect(mapped.email).toBe('other@contoso.com');
    expect(mapped.groups).toEqual(['idp:admins']);
  });

  it('takes the email from an email-format NameID when no attribute has one', () => {
    const profile = profileFromAssertion({ ...assertion({}, 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'), nameId: 'bob@contoso.com' }, presetFor('saml'));
    expect(profile.email).toBe('bob@contoso.com');
  });
});

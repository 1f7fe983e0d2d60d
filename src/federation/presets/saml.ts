// SAML 2.0 identity providers (edge-sso as the service provider, ../saml/). One generic type and
// presets with the right defaults for AD FS, Entra ID, Okta and Google Workspace. Every one is
// configured from the IdP's metadata: its URL (refetched daily, so a certificate rollover needs
// nobody) or the XML pasted in.
import type { Preset, PresetField, SamlProtocol } from '../types';
import { validateUrl } from './fields';

export const SAML_FIELDS: PresetField[] = [
  {
    name: 'metadata_url',
    label: 'IdP metadata URL',
    help: 'The federation metadata URL; refetched every day so certificate rollovers are picked up. Or paste the XML below.',
    required: false,
    kind: 'url',
    max: 2000,
    // Empty when the XML is pasted instead (the console sends every field).
    validate: (value) => (value === '' ? null : validateUrl(value)),
  },
  { name: 'metadata_xml', label: 'IdP metadata XML', help: 'Only when there is no metadata URL: the EntityDescriptor XML.', required: false, kind: 'multiline', max: 500_000 },
  {
    name: 'allow_idp_initiated',
    label: 'Allow IdP-initiated sign-in',
    help: 'Accept responses the IdP sends without a request from edge-sso (from its app portal). Off by default: such a response cannot be tied to the browser, so a signed-in attacker could push their own session onto a victim.',
    required: false,
    kind: 'boolean',
  },
  {
    name: 'sign_authn_requests',
    label: 'Sign authentication requests',
    help: 'Sign each AuthnRequest with this source’s SP signing key (its certificate is in the SP metadata). On by itself when the IdP’s metadata says WantAuthnRequestsSigned.',
    required: false,
    kind: 'boolean',
  },
  {
    name: 'allow_sha1',
    label: 'Accept RSA-SHA1 signatures',
    help: 'Only for an old IdP that cannot sign with SHA-256: SHA-1 collisions are practical, so a SHA-1 signature proves much less.',
    required: false,
    kind: 'boolean',
  },
];

const protocol = (email_verified: boolean): SamlProtocol => ({ kind: 'saml', email_verified });

function samlPreset(type: Preset['type'], label: string, email_verified: boolean, extra: Partial<Preset> = {}): Preset {
  return { type, label, protocol: protocol(email_verified), fields: SAML_FIELDS, default_scopes: [], validateConfig: needsMetadata, ...extra };
}

function needsMetadata(config: Record<string, unknown>): Record<string, string> {
  const url = typeof config.metadata_url === 'string' && config.metadata_url !== '';
  const xml = typeof config.metadata_xml === 'string' && config.metadata_xml !== '';
  if (url && xml) return { metadata_xml: 'must be empty when metadata_url is set (one source of metadata)' };
  return url || xml ? {} : { metadata_url: 'or metadata_xml is required' };
}

export const samlGeneric = samlPreset('saml', 'SAML 2.0', false, {
  note: 'Works with any SAML 2.0 IdP (Shibboleth, Keycloak, PingFederate…): give it the SP metadata URL shown after saving.',
});
export const adfsSaml = samlPreset('adfs-saml', 'AD FS (SAML)', true, {
  default_group_claim: 'http://schemas.xmlsoap.org/claims/Group',
  note: 'Metadata URL: https://<your AD FS host>/FederationMetadata/2007-06/FederationMetadata.xml. Add a relying party trust from edge-sso’s SP metadata URL.',
  docs_url: 'https://learn.microsoft.com/en-us/windows-server/identity/ad-fs/operations/create-a-relying-party-trust',
});
export const entraSaml = samlPreset('entra-saml', 'Microsoft Entra ID (SAML)', false, {
  default_group_claim: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
  note: 'Metadata URL: the “App Federation Metadata Url” of the enterprise application (it names your tenant and app).',
  docs_url: 'https://learn.microsoft.com/en-us/entra/identity/enterprise-apps/add-application-portal-setup-sso',
});
export const oktaSaml = samlPreset('okta-saml', 'Okta (SAML)', true, {
  note: 'Metadata URL: the app’s “Metadata URL” on its Sign On tab. Add attribute statements email, firstName, lastName and a group attribute “groups”.',
  docs_url: 'https://help.okta.com/en-us/content/topics/apps/apps_app_integration_wizard_saml.htm',
});
export const googleSaml = samlPreset('google-saml', 'Google Workspace (SAML)', true, {
  note: 'Google has no metadata URL: download the IdP metadata from the custom SAML app and paste it. Map attributes email, firstName, lastName and Group membership to “groups”.',
  docs_url: 'https://support.google.com/a/answer/6087519',
});

export const SAML_PRESETS: readonly Preset[] = [entraSaml, adfsSaml, oktaSaml, googleSaml, samlGeneric];

// The admin API's JSON shape of an identity source: every setting, type-specific fields at the
// top level (as they are written), which secrets are set, never their values.
import { callbackUrl } from './client';
import { acsUrl, spEntityId, spMetadataUrl } from './saml/sp';
import { presetFor } from './registry';
import type { IdentitySource } from './types';

export function sourceToJson(source: IdentitySource, issuer: string) {
  const preset = presetFor(source.type);
  return {
    slug: source.slug,
    type: source.type,
    name: source.name,
    enabled: source.enabled,
    show_on_login_page: source.show_on_login_page,
    provisioning: source.provisioning,
    allowed_domains: source.allowed_domains,
    claim_map: source.claim_map,
    group_map: source.group_map,
    trust_email_for_linking: source.trust_email_for_linking,
    client_id: source.client_id,
    scopes: source.scopes,
    ...source.config,
    secrets_set: source.secrets_set,
    ...(preset.protocol.kind === 'saml'
      ? { sp_entity_id: spEntityId(issuer, source.slug), acs_url: acsUrl(issuer, source.slug), sp_metadata_url: spMetadataUrl(issuer, source.slug) }
      : { redirect_uri: callbackUrl(issuer, source.slug) }),
    login_url: `${issuer}/federation/${encodeURIComponent(source.slug)}/start`,
    ...(preset.note ? { note: preset.note } : {}),
    created_at: new Date(source.created_at * 1000).toISOString(),
    updated_at: new Date(source.updated_at * 1000).toISOString(),
  };
}

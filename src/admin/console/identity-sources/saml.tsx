// What the IdP's admin needs from edge-sso for a SAML source: the SP metadata URL (to import),
// or the entity ID and ACS URL (to type in), and what edge-sso read from the IdP's metadata.
import { acsUrl, spEntityId, spMetadataUrl } from '../../../federation/saml/sp';
import type { IdentitySource } from '../../../federation/types';
import { Copyable } from '../../../ui/components';

export function SamlServiceProviderDetails(props: { issuer: string; source: IdentitySource }) {
  const { issuer, source } = props;
  const fetched = typeof source.config.metadata_fetched_at === 'number' ? new Date(source.config.metadata_fetched_at * 1000).toISOString() : 'never';
  const certificates = Array.isArray(source.config.idp_certificates) ? source.config.idp_certificates.length : 0;
  return (
    <>
      <dt>SP metadata URL</dt>
      <dd>
        <Copyable value={spMetadataUrl(issuer, source.slug)} label="SP metadata URL" id="sp-metadata-url" />
        <p class="hint">Import this at the IdP (AD FS: “Add Relying Party Trust”, Entra ID: “Upload metadata file”), or type in the two values below.</p>
      </dd>
      <dt>SP entity ID (identifier)</dt>
      <dd>
        <Copyable value={spEntityId(issuer, source.slug)} label="SP entity ID" id="sp-entity-id" />
      </dd>
      <dt>ACS URL (reply URL)</dt>
      <dd>
        <Copyable value={acsUrl(issuer, source.slug)} label="ACS URL" id="acs-url" />
      </dd>
      <dt>IdP</dt>
      <dd>
        <code>{String(source.config.idp_entity_id ?? '')}</code> · {certificates} signing certificate{certificates === 1 ? '' : 's'} · metadata read {fetched}
      </dd>
    </>
  );
}

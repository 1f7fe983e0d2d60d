// Turning an admin's metadata setting into the IdP details a sign-in uses, stored in the source's
// config: idp_entity_id, idp_sso_redirect / idp_sso_post, idp_certificates (every signing
// certificate the metadata lists, so an overlapping rollover works), idp_wants_signed_requests,
// metadata_fetched_at.
import { ValidationError } from '../../lib/errors';
import type { SourceConfig } from '../types';
import { parseIdpMetadata, type IdpMetadata } from './metadata';

const MAX_METADATA_BYTES = 512 * 1024;

/** Fetches metadata over https (http only on loopback, checked when the URL was saved). */
export async function fetchMetadata(url: string, fetchFn: typeof fetch = fetch): Promise<string> {
  const response = await fetchFn(url, { headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' }, redirect: 'manual' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > MAX_METADATA_BYTES) throw new Error('metadata too large');
  const text = await response.text();
  if (text.length > MAX_METADATA_BYTES) throw new Error('metadata too large');
  return text;
}

export function applyMetadata(config: SourceConfig, metadata: IdpMetadata, now: number): void {
  config.idp_entity_id = metadata.entity_id;
  config.idp_sso_redirect = metadata.sso_redirect ?? '';
  config.idp_sso_post = metadata.sso_post ?? '';
  config.idp_certificates = metadata.certificates;
  config.idp_wants_signed_requests = metadata.wants_signed_requests;
  config.metadata_fetched_at = now;
}

/** Reads the metadata the admin gave (URL or XML) into `config`; a ValidationError names the field. */
export async function resolveMetadata(config: SourceConfig, now: number, fetchFn: typeof fetch = fetch): Promise<void> {
  const url = typeof config.metadata_url === 'string' ? config.metadata_url : '';
  const field = url ? 'metadata_url' : 'metadata_xml';
  let xml: string;
  if (url) {
    try {
      xml = await fetchMetadata(url, fetchFn);
    } catch (error) {
      throw new ValidationError({ metadata_url: `could not be read (${(error as Error).message})` });
    }
  } else {
    xml = String(config.metadata_xml ?? '');
  }
  const metadata = parseIdpMetadata(xml);
  if (typeof metadata === 'string') throw new ValidationError({ [field]: metadata });
  applyMetadata(config, metadata, now);
}

/** The IdP details of a configured source; null when its metadata was never resolved. */
export function idpOf(config: SourceConfig): { entityId: string; ssoRedirect: string; ssoPost: string; certificates: string[] } | null {
  const entityId = typeof config.idp_entity_id === 'string' ? config.idp_entity_id : '';
  const certificates = Array.isArray(config.idp_certificates) ? config.idp_certificates : [];
  if (!entityId || certificates.length === 0) return null;
  return {
    entityId,
    ssoRedirect: typeof config.idp_sso_redirect === 'string' ? config.idp_sso_redirect : '',
    ssoPost: typeof config.idp_sso_post === 'string' ? config.idp_sso_post : '',
    certificates,
  };
}

/** Whether our AuthnRequests to this IdP are signed: its metadata asks for it, or the admin turned it on. */
export const signsRequests = (config: SourceConfig): boolean => config.idp_wants_signed_requests === true || config.sign_authn_requests === true;

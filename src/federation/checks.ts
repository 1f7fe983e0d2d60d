// Checks an admin's settings against the provider before they are saved: for generic OIDC
// sources, the discovery document must be readable and name the same issuer; for SAML sources,
// the IdP metadata (URL or XML) must be usable, and what it says is stored with the config.
import { ValidationError } from '../lib/errors';
import { nowSeconds } from '../lib/time';
import { fetchDiscovery } from './oidc';
import { presetFor } from './registry';
import { resolveMetadata } from './saml/config';
import { generateSpKey, SP_CERT_CONFIG, SP_KEY_SECRET, SP_SIGNING_CERT_CONFIG, SP_SIGNING_KEY_SECRET } from './saml/sp';
import type { IdentitySource, SourceConfig, SourceSecrets, SourceType } from './types';
import { UpstreamError } from './types';

/**
 * `secrets` is given when a source is being created: a SAML source gets its SP encryption and
 * signing keys there (the private keys sealed with the secrets, the certificates in the config).
 */
export async function checkProvider(type: SourceType, config: SourceConfig, secrets?: SourceSecrets, slug?: string): Promise<void> {
  const preset = presetFor(type);
  if (preset.protocol.kind === 'saml') {
    await resolveMetadata(config, nowSeconds());
    if (secrets && !secrets[SP_KEY_SECRET]) {
      const key = await generateSpKey(slug ?? type);
      secrets[SP_KEY_SECRET] = key.privateKey;
      config[SP_CERT_CONFIG] = key.certificate;
    }
    if (secrets && !secrets[SP_SIGNING_KEY_SECRET]) {
      const key = await generateSpKey(slug ?? type, 'signing');
      secrets[SP_SIGNING_KEY_SECRET] = key.privateKey;
      config[SP_SIGNING_CERT_CONFIG] = key.certificate;
    }
    return;
  }
  if (type !== 'oidc' || preset.protocol.kind !== 'oidc') return;
  const issuer = String(config.issuer);
  try {
    await fetchDiscovery(issuer, preset.protocol);
  } catch (error) {
    if (error instanceof UpstreamError) throw new ValidationError({ issuer: `"${issuer}" ${error.message}` });
    throw error;
  }
}

/** Whether a change of config needs checkProvider again (the issuer, or the SAML metadata). */
export function providerChanged(current: IdentitySource, config: SourceConfig): boolean {
  if (presetFor(current.type).protocol.kind === 'saml') {
    return config.metadata_url !== current.config.metadata_url || config.metadata_xml !== current.config.metadata_xml;
  }
  return config.issuer !== current.config.issuer;
}

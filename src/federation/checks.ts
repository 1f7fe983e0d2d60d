// Checks an admin's settings against the provider before they are saved: for generic OIDC
// sources, the discovery document must be readable and name the same issuer.
import { ValidationError } from '../lib/errors';
import { fetchDiscovery } from './oidc';
import { presetFor } from './registry';
import type { SourceConfig, SourceType } from './types';
import { UpstreamError } from './types';

export async function checkProvider(type: SourceType, config: SourceConfig): Promise<void> {
  if (type !== 'oidc') return;
  const preset = presetFor(type);
  if (preset.protocol.kind !== 'oidc') return;
  const issuer = String(config.issuer);
  try {
    await fetchDiscovery(issuer, preset.protocol);
  } catch (error) {
    if (error instanceof UpstreamError) throw new ValidationError({ issuer: `"${issuer}" ${error.message}` });
    throw error;
  }
}

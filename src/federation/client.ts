// Picks the client for a source: the generic OIDC client, or the generic OAuth2 client for
// presets without OpenID Connect. Presets only describe; these two run every flow.
import { oauth2Client } from './oauth2';
import { oidcClient } from './oidc';
import { presetFor } from './registry';
import { UpstreamError, type ClientOptions, type IdentitySource, type Preset, type SourceSecrets, type UpstreamClient } from './types';
import { isLoopbackUrl } from './urls';

type ClientFactory = (preset: Preset, source: IdentitySource, secrets: SourceSecrets, options: ClientOptions) => UpstreamClient;

const factories: Record<'oidc' | 'oauth2', ClientFactory> = { oidc: oidcClient, oauth2: oauth2Client };

/** The callback URL to register at the provider. */
export function callbackUrl(issuer: string, slug: string): string {
  return `${issuer}/federation/${encodeURIComponent(slug)}/callback`;
}

export function clientFor(source: IdentitySource, secrets: SourceSecrets, issuer: string): UpstreamClient {
  const preset = presetFor(source.type);
  // Directories have no browser flow: their sign-in is edge-sso's own form (./ldap/routes.tsx).
  if (preset.protocol.kind === 'ldap') throw new UpstreamError('misconfigured', `${source.name} is a directory: sign in with its form.`, 'ldap sources have no redirect flow');
  // SAML IdPs answer at the ACS with a signed response, not at a callback with a code (./saml/).
  if (preset.protocol.kind === 'saml') throw new UpstreamError('misconfigured', `${source.name} is a SAML identity provider.`, 'saml sources have no OAuth callback');
  const factory = factories[preset.protocol.kind];
  // http upstreams only for local development: edge-sso itself on loopback too.
  const allowInsecure = isLoopbackUrl(new URL(issuer));
  return factory(preset, source, secrets, { redirect_uri: callbackUrl(issuer, source.slug), allow_insecure: allowInsecure });
}

/**
 * Extra authorization parameters to force a fresh sign-in upstream (`prompt=login`): OpenID
 * Connect only; plain OAuth2 providers have no such parameter.
 */
export function forceLoginParams(source: IdentitySource, force: boolean): Record<string, string> {
  return force && presetFor(source.type).protocol.kind === 'oidc' ? { prompt: 'login' } : {};
}

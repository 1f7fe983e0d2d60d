// What a failed Test connection tells the admin: what failed, in plain words, naming the host,
// and what to check. Pure: the failure's code (./network.ts, ./errors.ts, ./oidc.ts) decides.
import { hostOf } from './network';
import { presetFor } from './registry';
import type { IdentitySource, UpstreamError } from './types';

export interface Diagnosis {
  /** One sentence: what failed. */
  what: string;
  /** What the admin should check, most likely first. */
  check: string;
}

/** The provider's host:port as configured (its token endpoint, or its issuer), for failures that name none. */
export function providerHost(source: IdentitySource): string | undefined {
  const protocol = presetFor(source.type).protocol;
  const ctx = { config: source.config, secrets: {}, client_id: source.client_id };
  try {
    if (protocol.kind === 'oidc') return hostOf(new URL(protocol.issuer(ctx)));
    if (protocol.kind === 'oauth2') return hostOf(new URL(protocol.token_endpoint(ctx)));
  } catch {
    // an incomplete config names no host
  }
  return undefined;
}

export function diagnose(failure: UpstreamError, source: IdentitySource, callback: string): Diagnosis {
  const host = failure.host ?? providerHost(source) ?? source.name;
  switch (failure.code) {
    case 'unreachable':
      return {
        what: `edge-sso could not reach ${host}: the name does not resolve, nothing accepts connections on that port, or it did not answer in time.`,
        check: `Check the host name and port in this source's settings, that ${host} is up, and that it is reachable from the internet (Cloudflare's network), not only from your own network.`,
      };
    case 'tls':
      return {
        what: `${host} accepts connections, but the secure (TLS) connection to it failed.`,
        check: `Check that ${host} speaks HTTPS on that port with a valid certificate for its name from a public certificate authority (plain http works only on loopback).`,
      };
    case 'client_refused':
      return {
        what: `${host} refused edge-sso's client: it does not know this client ID, or the client secret is wrong.`,
        check: `Check the client ID and secret against the provider's console (a secret may have expired or been regenerated), and that the client is enabled there.`,
      };
    case 'redirect_uri':
      return {
        what: `${host} does not accept edge-sso's callback URL for this client.`,
        check: `Register exactly ${callback} as a redirect URI (callback URL) of this client at the provider.`,
      };
    case 'discovery_failed':
      return {
        what: `The OpenID Connect discovery document of ${host} is not usable: ${failure.message}.`,
        check: `Check the issuer URL: it must be exactly the issuer the provider publishes, and <issuer>/.well-known/openid-configuration must answer JSON with that issuer and its endpoints.`,
      };
    case 'access_denied':
      return { what: failure.message, check: 'Sign in at the provider and allow access to run the test.' };
    default:
      return {
        what: failure.message,
        check: `Check the client ID and secret, and that ${callback} is registered at the provider as a redirect URI.`,
      };
  }
}

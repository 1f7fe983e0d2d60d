// How the generic OIDC client runs a preset's flow, from the preset's optional flags: PKCE,
// nonce, client authentication at the token endpoint, and the claims hook. One place that reads
// the flags, so oidc.ts applies them with a few calls and no per-provider branches.
import type { OidcProtocol } from '../types';

export type TokenAuth = 'client_secret_basic' | 'client_secret_post';

export interface OidcFlow {
  /** Send code_challenge (S256) and the verifier. Off only for LinkedIn. */
  pkce: boolean;
  /** Send a nonce and require it in the ID token. Off only for LinkedIn. */
  nonce: boolean;
  tokenAuth: TokenAuth;
  /** The preset's claim adjustments (Apple, Entra), or the claims as they are. */
  claims(claims: Record<string, unknown>, callback: URLSearchParams): Record<string, unknown>;
}

/**
 * The flow for `protocol` at a server advertising `token_endpoint_auth_methods_supported`
 * (absent means client_secret_basic, per OpenID Connect Discovery).
 */
export function oidcFlow(protocol: OidcProtocol, advertised?: readonly string[]): OidcFlow {
  const methods = advertised ?? ['client_secret_basic'];
  return {
    pkce: protocol.pkce !== false,
    nonce: protocol.nonce !== false,
    tokenAuth: protocol.token_auth ?? (methods.includes('client_secret_basic') || !methods.includes('client_secret_post') ? 'client_secret_basic' : 'client_secret_post'),
    claims: (claims, callback) => (protocol.claims ? protocol.claims(claims, callback) : claims),
  };
}

// LinkedIn, through its "Sign In with LinkedIn using OpenID Connect" product: an OpenID Provider
// at https://www.linkedin.com/oauth. Its quirks are in the flags the OIDC client reads: the
// token endpoint wants client_id and client_secret in the body, PKCE is refused for web apps
// (`invalid_client` when a code_verifier is sent), and ID tokens carry no `nonce`.
//
// Documentation:
// - Sign In with LinkedIn using OpenID Connect (scopes openid profile email, ID token, userinfo):
//   https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
// - Authorization code flow (client_secret in the token request body):
//   https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow
// - Discovery: https://www.linkedin.com/oauth/.well-known/openid-configuration
import type { Preset } from '../types';
import { clientSecretField } from './fields';

export const LINKEDIN_ISSUER = 'https://www.linkedin.com/oauth';

export const linkedin: Preset = {
  type: 'linkedin',
  label: 'LinkedIn',
  protocol: { kind: 'oidc', issuer: () => LINKEDIN_ISSUER, pkce: false, nonce: false, token_auth: 'client_secret_post' },
  fields: [clientSecretField('The Primary Client Secret (your app → Auth).')],
  sends_groups: false,
  default_scopes: ['openid', 'profile', 'email'],
  docs_url: 'https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2',
};

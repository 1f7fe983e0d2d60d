// Auth0: the tenant (or custom) domain is the issuer, with a trailing slash: `https://<domain>/`.
//
// Documentation:
// - OIDC discovery and the issuer: https://auth0.com/docs/get-started/applications/configure-applications-with-oidc-discovery
// - Application settings (Allowed Callback URLs; Credentials → Authentication Method): https://auth0.com/docs/get-started/applications/application-settings
import type { Preset, PresetContext } from '../types';
import { clientSecretField, configString, hostField } from './fields';

export const auth0Issuer = (ctx: Pick<PresetContext, 'config'>) => `https://${configString(ctx, 'domain') ?? ''}/`;

export const auth0: Preset = {
  type: 'auth0',
  label: 'Auth0',
  // A new Regular Web Application authenticates with "Client Secret (Post)"; Auth0 enforces the configured method.
  protocol: { kind: 'oidc', issuer: auth0Issuer, token_auth: 'client_secret_post' },
  fields: [
    hostField('domain', 'Auth0 domain', 'example.eu.auth0.com', 'The Domain of your Auth0 application, e.g. example.eu.auth0.com, or your custom domain.'),
    clientSecretField('The Client Secret of the Regular Web Application.'),
  ],
  default_scopes: ['openid', 'email', 'profile'],
  docs_url: 'https://auth0.com/docs/get-started/applications/application-settings',
};

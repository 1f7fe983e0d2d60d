// Keycloak: each realm is an OpenID Provider at `<base_url>/realms/<realm>`. Keycloak before
// version 17 served everything under `/auth`: include it in the base URL for those.
//
// Documentation:
// - OIDC endpoints and the realm issuer: https://www.keycloak.org/securing-apps/oidc-layers#_oidc_available_endpoints
// - Creating an OIDC client (Valid redirect URIs, Client authentication): https://www.keycloak.org/docs/latest/server_admin/#_oidc_clients
// - Group membership mapper (the `groups` claim): https://www.keycloak.org/docs/latest/server_admin/#_protocol-mappers
import type { Preset, PresetContext } from '../types';
import { clientSecretField, configString, trimSlash, urlField } from './fields';

const REALM = /^[A-Za-z0-9._-]{1,100}$/;

export const keycloakIssuer = (ctx: Pick<PresetContext, 'config'>) =>
  `${trimSlash(configString(ctx, 'base_url') ?? '')}/realms/${encodeURIComponent(configString(ctx, 'realm') ?? '')}`;

export const keycloak: Preset = {
  type: 'keycloak',
  label: 'Keycloak',
  protocol: { kind: 'oidc', issuer: keycloakIssuer },
  fields: [
    urlField('base_url', 'Keycloak URL', 'The server’s URL, e.g. https://sso.example.com (add /auth for Keycloak 16 and older).'),
    {
      name: 'realm',
      label: 'Realm',
      help: 'The realm’s name as shown in the admin console, e.g. "acme".',
      required: true,
      max: 100,
      validate: (value) => (typeof value === 'string' && REALM.test(value) ? null : 'must be a realm name: letters, digits, ".", "_" or "-"'),
    },
    clientSecretField('Clients → your client → Credentials → Client secret (turn on Client authentication).'),
  ],
  default_scopes: ['openid', 'email', 'profile'],
  docs_url: 'https://www.keycloak.org/docs/latest/server_admin/#_oidc_clients',
};

// The generic `oidc` source: any OpenID Provider, by its issuer. The presets in ./presets/ are
// the same description with the issuer and quirks filled in.
import type { Preset } from './types';
import { parseUpstreamUrl } from './urls';

export const genericOidc: Preset = {
  type: 'oidc',
  label: 'OpenID Connect',
  protocol: {
    kind: 'oidc',
    issuer: ({ config }) => String(config.issuer),
  },
  fields: [
    {
      name: 'issuer',
      label: 'Issuer URL',
      help: 'The provider’s issuer: its discovery document is read from <issuer>/.well-known/openid-configuration.',
      required: true,
      kind: 'url',
      max: 500,
      validate: (value) => {
        const url = parseUpstreamUrl(String(value));
        return typeof url === 'string' ? url : null;
      },
    },
    { name: 'client_secret', label: 'Client secret', required: true, secret: true, max: 2000 },
  ],
  default_scopes: ['openid', 'email', 'profile'],
};

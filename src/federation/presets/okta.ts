// Okta: the org authorization server (`https://<domain>`) or a custom one
// (`https://<domain>/oauth2/<id>`, e.g. `default`), both discovered from their issuer.
//
// Documentation:
// - Authorization servers and their issuers: https://developer.okta.com/docs/concepts/auth-servers/
// - OIDC web app integration (sign-in redirect URI): https://help.okta.com/en-us/content/topics/apps/apps_app_integration_wizard_oidc.htm
// - Groups claim: https://developer.okta.com/docs/guides/customize-tokens-groups-claim/main/
import type { Preset, PresetContext } from '../types';
import { clientSecretField, configString, hostField } from './fields';

const SERVER_ID = /^[A-Za-z0-9]{1,40}$/;

export function oktaIssuer(ctx: Pick<PresetContext, 'config'>): string {
  const server = configString(ctx, 'authorization_server');
  return `https://${configString(ctx, 'domain') ?? ''}${server ? `/oauth2/${server}` : ''}`;
}

export const okta: Preset = {
  type: 'okta',
  label: 'Okta',
  protocol: { kind: 'oidc', issuer: oktaIssuer },
  fields: [
    hostField('domain', 'Okta domain', 'dev-123456.okta.com', 'Your Okta org’s domain, e.g. dev-123456.okta.com or a custom domain such as login.example.com.'),
    clientSecretField('The client secret of the app integration (Applications → your app → General).'),
    {
      name: 'authorization_server',
      label: 'Authorization server ID',
      help: 'Only for a custom authorization server, e.g. "default". Leave empty for the org authorization server.',
      required: false,
      max: 40,
      validate: (value) => (typeof value === 'string' && (value === '' || SERVER_ID.test(value)) ? null : 'must be the authorization server ID, e.g. "default" or "aus1a2b3c4d5e6f7g8h9"'),
    },
  ],
  // Okta's provisioning sends the Okta user id as externalId: the `sub` of its ID tokens.
  scimSubject: (externalId) => (/^[A-Za-z0-9]{1,40}$/.test(externalId) ? externalId : null),
  default_scopes: ['openid', 'email', 'profile'],
  docs_url: 'https://help.okta.com/en-us/content/topics/apps/apps_app_integration_wizard_oidc.htm',
};

// Google (Google accounts and Google Workspace): a standard OpenID Provider. `email_verified` is
// a boolean in Google's ID tokens, so a verified Gmail or Workspace address may link an existing
// account when the source is trusted for linking.
//
// Documentation:
// - OpenID Connect (discovery, claims, hd, email_verified): https://developers.google.com/identity/openid-connect/openid-connect
// - Creating the OAuth client and redirect URIs: https://developers.google.com/identity/protocols/oauth2/web-server#creatingcred
import type { Preset } from '../types';
import { clientSecretField } from './fields';

export const google: Preset = {
  type: 'google',
  label: 'Google',
  protocol: { kind: 'oidc', issuer: () => 'https://accounts.google.com' },
  fields: [clientSecretField('The client secret of the OAuth client (Google Cloud console → APIs & Services → Credentials).')],
  default_scopes: ['openid', 'email', 'profile'],
  // Let people with several Google accounts pick one instead of being signed in with the last used.
  authorization_params: () => ({ prompt: 'select_account' }),
  docs_url: 'https://developers.google.com/identity/openid-connect/openid-connect',
};

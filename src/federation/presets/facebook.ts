// Facebook Login, the "manually built" server-side flow: OAuth2 with the login dialog at
// www.facebook.com and the code exchanged at the Graph API, then the profile read from
// `/me?fields=…` with the access token and an `appsecret_proof` (so the app may turn on
// "Require App Secret").
//
// Documentation:
// - Manual login flow (dialog/oauth, oauth/access_token): https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
// - User fields (id, name, email, first_name, last_name): https://developers.facebook.com/docs/graph-api/reference/user/
// - appsecret_proof: https://developers.facebook.com/docs/graph-api/securing-requests/#appsecret_proof
import type { Preset, UpstreamProfile } from '../types';
import { utf8 } from '../../lib/encoding';
import { clientSecretField, fetchJson } from './fields';

/** The Graph API version the endpoints are pinned to (each is supported for at least two years). */
export const FACEBOOK_GRAPH_VERSION = 'v23.0';
export const FACEBOOK_FIELDS = 'id,name,email,first_name,last_name';

/** HMAC-SHA256 of the access token keyed with the app secret, hex-encoded. */
export async function appSecretProof(accessToken: string, appSecret: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', utf8(appSecret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8(accessToken)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The profile from `/me?fields=id,name,email,first_name,last_name`. `id` is the app-scoped user
 * id. Facebook does not say whether the address was verified, so it never counts as verified
 * (it cannot link to an existing account).
 */
export function parseFacebookProfile(me: unknown): UpstreamProfile {
  if (typeof me !== 'object' || me === null) throw new Error('Facebook /me did not return an object');
  const m = me as Record<string, unknown>;
  if (typeof m.id !== 'string' || m.id === '') throw new Error('Facebook /me has no id');
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    subject: m.id,
    email: text(m.email),
    email_verified: false,
    name: text(m.name),
    given_name: text(m.first_name),
    family_name: text(m.last_name),
    groups: [],
    raw: { ...m },
  };
}

export const facebook: Preset = {
  type: 'facebook',
  label: 'Facebook',
  protocol: {
    kind: 'oauth2',
    authorization_endpoint: () => `https://www.facebook.com/${FACEBOOK_GRAPH_VERSION}/dialog/oauth`,
    token_endpoint: () => `https://graph.facebook.com/${FACEBOOK_GRAPH_VERSION}/oauth/access_token`,
    token_auth: 'client_secret_post',
    // The documented server-side flow has no PKCE (only the OIDC variant in testing does).
    pkce: 'none',
    async profile({ access_token, ctx, fetch }) {
      const url = new URL(`https://graph.facebook.com/${FACEBOOK_GRAPH_VERSION}/me`);
      url.searchParams.set('fields', FACEBOOK_FIELDS);
      const secret = ctx.secrets.client_secret;
      if (secret) url.searchParams.set('appsecret_proof', await appSecretProof(access_token, secret));
      const me = await fetchJson(fetch, url.href, { authorization: `Bearer ${access_token}`, accept: 'application/json' }, 'Facebook /me');
      return parseFacebookProfile(me);
    },
  },
  fields: [clientSecretField('The App secret (App settings → Basic).')],
  sends_groups: false,
  default_scopes: ['email', 'public_profile'],
  note: 'Facebook does not say whether an email address was verified, so Facebook sign-ins never link to an existing account by email.',
  docs_url: 'https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow',
};

// X (formerly Twitter): OAuth 2.0 Authorization Code with PKCE (required), confidential client
// authenticated with HTTP Basic at the token endpoint, profile from `GET /2/users/me`. The email
// comes only when the app has the email permission and the `users.email` scope was granted; it is
// then requested as the `confirmed_email` user field.
//
// Documentation:
// - Authorization Code Flow with PKCE, scopes (incl. users.email): https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code
// - Authorize URL, token request, confidential clients: https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
// - GET /2/users/me and its user.fields (confirmed_email): https://docs.x.com/x-api/users/get-my-user
import type { Preset, UpstreamProfile } from '../types';
import { clientSecretField, fetchJson } from './fields';

export const X_API = 'https://api.x.com';

/** True when the token response says the `users.email` scope was granted. */
export function xEmailGranted(tokenResponse: Record<string, unknown>): boolean {
  return typeof tokenResponse.scope === 'string' && tokenResponse.scope.split(/\s+/).includes('users.email');
}

/** The `/2/users/me` URL: `confirmed_email` is asked for only when the scope allows it. */
export function xMeUrl(withEmail: boolean): string {
  const url = new URL(`${X_API}/2/users/me`);
  url.searchParams.set('user.fields', withEmail ? 'id,name,username,confirmed_email' : 'id,name,username');
  return url.href;
}

/** The profile from `{ "data": { "id", "name", "username", "confirmed_email"? } }`. */
export function parseXProfile(body: unknown): UpstreamProfile {
  const data = typeof body === 'object' && body !== null ? (body as { data?: unknown }).data : undefined;
  if (typeof data !== 'object' || data === null) throw new Error('X /2/users/me has no data');
  const d = data as Record<string, unknown>;
  if (typeof d.id !== 'string' || d.id === '') throw new Error('X /2/users/me has no id');
  const email = typeof d.confirmed_email === 'string' && d.confirmed_email.includes('@') ? d.confirmed_email : undefined;
  return {
    subject: d.id,
    email,
    // X calls the address "confirmed": the user proved they own it.
    email_verified: email !== undefined,
    name: typeof d.name === 'string' && d.name !== '' ? d.name : undefined,
    username: typeof d.username === 'string' ? d.username : undefined,
    groups: [],
    raw: { ...d },
  };
}

export const x: Preset = {
  type: 'x',
  label: 'X',
  protocol: {
    kind: 'oauth2',
    authorization_endpoint: () => 'https://x.com/i/oauth2/authorize',
    token_endpoint: () => `${X_API}/2/oauth2/token`,
    token_auth: 'client_secret_basic',
    pkce: 'required',
    async profile({ access_token, token_response, fetch }) {
      const body = await fetchJson(fetch, xMeUrl(xEmailGranted(token_response)), { authorization: `Bearer ${access_token}`, accept: 'application/json' }, 'X /2/users/me');
      return parseXProfile(body);
    },
  },
  fields: [clientSecretField('The OAuth 2.0 Client Secret (Developer Console → your app → Keys and tokens).')],
  // users.email: edge-sso needs an email to create or find an account on a first sign-in.
  sends_groups: false,
  default_scopes: ['users.read', 'tweet.read', 'users.email'],
  note: 'X shares an email address only with the email permission: turn on "Request email from users" in your X app. The users.email scope (in the defaults) needs it; without the email, a first sign-in through X cannot create or find an edge-sso account.',
  docs_url: 'https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code',
};

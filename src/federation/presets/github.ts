// GitHub and GitHub Enterprise Server: OAuth2 only (no ID token), so the profile is read from the
// REST API with the access token. Users are linked by the numeric account id (a login can be
// renamed); the email is the account's verified primary address, never any other one.
//
// Documentation:
// - Web application flow (authorize, access_token, PKCE): https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
// - GET /user: https://docs.github.com/en/rest/users/users#get-the-authenticated-user
// - GET /user/emails (needs `user:email`): https://docs.github.com/en/rest/users/emails#list-email-addresses-for-the-authenticated-user
// - GitHub Enterprise Server hosts the same API under `http(s)://HOSTNAME/api/v3`:
//   https://docs.github.com/en/enterprise-server@latest/rest/users/emails
import type { PresetContext, Preset, UpstreamProfile } from '../types';
import { clientSecretField, configString, fetchJson, optionalUrlField, trimSlash } from './fields';

const GITHUB_WEB = 'https://github.com';
const GITHUB_API = 'https://api.github.com';

/** One entry of GET /user/emails. */
export interface GithubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
  visibility?: string | null;
}

/**
 * The address to trust: the primary one, and only if GitHub verified it. An unverified primary
 * gives no email at all (never a verified secondary instead: the primary is the one the user
 * chose, and falling back would let any added address stand in for the account).
 */
export function selectGithubEmail(emails: unknown): string | undefined {
  if (!Array.isArray(emails)) return undefined;
  const primary = emails.filter(
    (e): e is GithubEmail => typeof e === 'object' && e !== null && (e as GithubEmail).primary === true,
  );
  // More than one "primary" is not a shape GitHub documents: trust none of them.
  if (primary.length !== 1) return undefined;
  const [only] = primary;
  return only && only.verified === true && typeof only.email === 'string' && only.email.includes('@') ? only.email : undefined;
}

/** The profile from GET /user and GET /user/emails. */
export function parseGithubProfile(user: unknown, emails: unknown): UpstreamProfile {
  if (typeof user !== 'object' || user === null) throw new Error('GitHub /user did not return an object');
  const u = user as Record<string, unknown>;
  if (typeof u.id !== 'number' && typeof u.id !== 'string') throw new Error('GitHub /user has no id');
  const email = selectGithubEmail(emails);
  return {
    subject: String(u.id),
    email,
    email_verified: email !== undefined,
    name: typeof u.name === 'string' && u.name !== '' ? u.name : undefined,
    username: typeof u.login === 'string' ? u.login : undefined,
    groups: [],
    raw: { ...u, emails: Array.isArray(emails) ? emails : [] },
  };
}

/** Web base (authorize, access_token) and API base, for github.com or an Enterprise Server URL. */
export function githubUrls(ctx: PresetContext): { web: string; api: string } {
  const enterprise = configString(ctx, 'enterprise_url');
  if (!enterprise) return { web: GITHUB_WEB, api: GITHUB_API };
  const base = trimSlash(enterprise);
  return { web: base, api: `${base}/api/v3` };
}

/** GitHub refuses API requests without a User-Agent; the version header pins the response shape. */
const API_HEADERS = {
  accept: 'application/vnd.github+json',
  'x-github-api-version': '2022-11-28',
  'user-agent': 'edge-sso',
};

export const github: Preset = {
  type: 'github',
  label: 'GitHub',
  protocol: {
    kind: 'oauth2',
    authorization_endpoint: (ctx) => `${githubUrls(ctx).web}/login/oauth/authorize`,
    token_endpoint: (ctx) => `${githubUrls(ctx).web}/login/oauth/access_token`,
    token_auth: 'client_secret_post',
    // github.com accepts PKCE (S256); servers that predate it ignore the parameters.
    pkce: 'supported',
    async profile({ access_token, ctx, fetch }) {
      const { api } = githubUrls(ctx);
      const headers = { ...API_HEADERS, authorization: `Bearer ${access_token}` };
      const [user, emails] = await Promise.all([
        fetchJson(fetch, `${api}/user`, headers, 'GitHub /user'),
        fetchJson(fetch, `${api}/user/emails?per_page=100`, headers, 'GitHub /user/emails'),
      ]);
      return parseGithubProfile(user, emails);
    },
  },
  fields: [
    clientSecretField('The client secret of the OAuth app (Settings → Developer settings → OAuth Apps).'),
    optionalUrlField('enterprise_url', 'GitHub Enterprise Server URL', 'Only for GitHub Enterprise Server, e.g. https://github.example.com. Leave empty for github.com.'),
  ],
  sends_groups: false,
  default_scopes: ['read:user', 'user:email'],
  note: 'Users are identified by their GitHub account id. The email is the account’s verified primary address only; an account without one cannot create or find an edge-sso account on its first sign-in.',
  docs_url: 'https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/creating-an-oauth-app',
};

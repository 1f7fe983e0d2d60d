// Local stand-ins for the OAuth2 providers edge-sso cannot reach from here: one HTTP server on a
// free 127.0.0.1 port that answers like GitHub Enterprise Server, Facebook Login + Graph API and
// X's OAuth 2.0 + API v2 do according to their public documentation. Each behaviour below
// cites the page it follows. The server records every request, so tests can check which
// endpoints were hit and with which parameters, and it enforces what the providers enforce
// (registered redirect URI, client authentication, PKCE, a User-Agent at GitHub's API,
// appsecret_proof at Facebook), so a client that gets them wrong fails here too.
//
// GitHub (Enterprise Server URL form, under /ghes):
//   https://docs.github.com/en/enterprise-server@latest/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
//   (GET /login/oauth/authorize; POST /login/oauth/access_token answering JSON when asked with
//   Accept: application/json, and a failed exchange as HTTP 200 with an `error` body; the
//   denial redirect error=access_denied&error_description=…&error_uri=…&state=…; PKCE)
//   https://docs.github.com/en/enterprise-server@latest/rest/users/users#get-the-authenticated-user (GET /api/v3/user)
//   https://docs.github.com/en/enterprise-server@latest/rest/users/emails#list-email-addresses-for-the-authenticated-user (GET /api/v3/user/emails, needs user:email)
//   https://docs.github.com/en/rest/using-the-rest-api/getting-started-with-the-rest-api#user-agent (requests without User-Agent are refused)
// Facebook (www.facebook.com under /facebook-www, graph.facebook.com under /facebook-graph):
//   https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
//   (dialog/oauth; oauth/access_token with client_id, redirect_uri, client_secret, code →
//   {access_token, token_type, expires_in}; the denial redirect error=access_denied&error_reason=user_denied)
//   https://developers.facebook.com/docs/graph-api/reference/user/ (GET /me?fields=…)
//   https://developers.facebook.com/docs/graph-api/securing-requests/#appsecret_proof
// X (x.com under /x-www, api.x.com under /x-api):
//   https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
//   (GET /i/oauth2/authorize with code_challenge; POST /2/oauth2/token with HTTP Basic for
//   confidential clients and code_verifier)
//   https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code (scopes, users.email)
//   https://docs.x.com/x-api/users/get-my-user (GET /2/users/me, user.fields=confirmed_email)
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { startStandIn } from './stand-in';

export type Provider = 'github' | 'facebook' | 'x';

export interface RecordedRequest {
  provider: Provider;
  method: string;
  /** The URL as the client meant it (https://graph.facebook.com/… for Facebook and X, the GHES URL for GitHub). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The form body of a POST, decoded. */
  form?: Record<string, string>;
}

export interface ProviderUser {
  id: number | string;
  login: string;
  name: string;
  /** GitHub's /user/emails entries; Facebook and X use the first address. */
  emails: { email: string; primary: boolean; verified: boolean; visibility: string | null }[];
}

export interface ProviderApp {
  client_id: string;
  client_secret: string;
  /** The exact callback registered at the provider. */
  redirect_uri: string;
}

interface PendingCode {
  provider: Provider;
  client_id: string;
  redirect_uri: string;
  scope: string;
  code_challenge?: string;
  code_challenge_method?: string;
  user: ProviderUser;
}

interface PendingAuthorization {
  provider: Provider;
  client_id: string;
  redirect_uri: string;
  scope: string;
  state: string | null;
  code_challenge?: string;
  code_challenge_method?: string;
}

/** Where each provider's real origins are served locally. */
export const LOCAL_PREFIX: Record<string, string> = {
  'https://www.facebook.com': '/facebook-www',
  'https://graph.facebook.com': '/facebook-graph',
  'https://x.com': '/x-www',
  'https://api.x.com': '/x-api',
};

export interface LocalProviders {
  url: string;
  /** The GitHub Enterprise Server URL to configure as `enterprise_url`. */
  ghesUrl: string;
  requests: RecordedRequest[];
  apps: Record<Provider, ProviderApp>;
  /** The user who approves at each provider's consent page (change it between tests). */
  users: Record<Provider, ProviderUser>;
  /** A fetch for the clients: Facebook's and X's real URLs are sent to this server instead. */
  fetch: typeof fetch;
  /** The local URL a browser would be sent to for `url` (a real provider URL or a GHES one). */
  localUrl(url: string): string;
  /** Plays the user at the consent page: follows `authorizationUrl` and answers Authorize or Cancel; returns the callback URL the provider redirects to. */
  consent(authorizationUrl: string, decision: 'approve' | 'deny'): Promise<URL>;
  close(): Promise<void>;
}

const html = (body: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorize</title></head><body>${body}</body></html>`;
const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function redirect(res: ServerResponse, location: string) {
  res.writeHead(302, { location });
  res.end();
}

function bearer(req: { headers: IncomingHttpHeaders }): string | undefined {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^(?:Bearer|token) (.+)$/i.exec(header) : null;
  return match?.[1];
}

export async function startLocalProviders(options: { apps: Record<Provider, ProviderApp>; users: Record<Provider, ProviderUser> }): Promise<LocalProviders> {
  const requests: RecordedRequest[] = [];
  const authorizations = new Map<string, PendingAuthorization>();
  const codes = new Map<string, PendingCode>();
  const tokens = new Map<string, { provider: Provider; scope: string; user: ProviderUser }>();
  const users = { ...options.users };
  const apps = options.apps;

  const server = await startStandIn(async (req, reply) => {
    const res = reply.raw;
    try {
      const local = req.url;
      const body = req.body;
      const form = req.method === 'POST' ? Object.fromEntries(new URLSearchParams(body)) : undefined;
      const prefixEntry = Object.entries(LOCAL_PREFIX).find(([, prefix]) => local.pathname.startsWith(`${prefix}/`));
      const provider: Provider | undefined = local.pathname.startsWith('/ghes/') ? 'github' : prefixEntry?.[1].startsWith('/facebook') ? 'facebook' : prefixEntry ? 'x' : undefined;
      if (!provider) return json(res, 404, { message: 'Not Found' });
      const path = prefixEntry ? local.pathname.slice(prefixEntry[1].length) : local.pathname.slice('/ghes'.length);
      const original = prefixEntry ? `${prefixEntry[0]}${path}${local.search}` : `${ghesUrl}${path}${local.search}`;
      requests.push({ provider, method: req.method ?? 'GET', url: original, headers: { ...req.headers }, form });
      const query = local.searchParams;

      // ---- consent pages: GitHub /login/oauth/authorize, Facebook /v23.0/dialog/oauth, X /i/oauth2/authorize
      const isAuthorize =
        (provider === 'github' && path === '/login/oauth/authorize') ||
        (provider === 'facebook' && /^\/v\d+\.\d+\/dialog\/oauth$/.test(path)) ||
        (provider === 'x' && path === '/i/oauth2/authorize');
      if (isAuthorize && req.method === 'GET') {
        const app = apps[provider];
        const clientId = query.get('client_id');
        const redirectUri = query.get('redirect_uri');
        // Every provider refuses an unknown client or an unregistered redirect URI without redirecting.
        if (clientId !== app.client_id) return json(res, 400, { error: 'invalid_client', error_description: 'unknown client_id' });
        if (redirectUri !== app.redirect_uri) return json(res, 400, { error: 'redirect_uri_mismatch', error_description: 'The redirect_uri is not registered for this application.' });
        if (provider === 'x') {
          // X: response_type=code, and PKCE is part of every request.
          if (query.get('response_type') !== 'code') return json(res, 400, { error: 'invalid_request', error_description: 'response_type must be code' });
          if (!query.get('code_challenge') || !['S256', 'plain'].includes(query.get('code_challenge_method') ?? '')) {
            return json(res, 400, { error: 'invalid_request', error_description: 'Missing required parameter [code_challenge].' });
          }
        }
        const id = randomBytes(12).toString('hex');
        authorizations.set(id, {
          provider,
          client_id: clientId,
          redirect_uri: redirectUri,
          scope: query.get('scope') ?? '',
          state: query.get('state'),
          code_challenge: query.get('code_challenge') ?? undefined,
          code_challenge_method: query.get('code_challenge_method') ?? undefined,
        });
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(
          html(
            `<h1>Authorize ${esc(provider)} application</h1><p>Signed in as ${esc(users[provider].login)}.</p>` +
              `<form method="post" action="${esc(local.pathname)}"><input type="hidden" name="request_id" value="${id}">` +
              `<button name="decision" value="approve">Authorize</button> <button name="decision" value="deny">Cancel</button></form>`,
          ),
        );
      }
      if (isAuthorize && req.method === 'POST') {
        const pending = authorizations.get(form?.request_id ?? '');
        if (!pending) return json(res, 400, { error: 'invalid_request' });
        authorizations.delete(form!.request_id!);
        const back = new URL(pending.redirect_uri);
        if (form?.decision !== 'approve') {
          back.searchParams.set('error', 'access_denied');
          if (provider === 'facebook') {
            back.searchParams.set('error_reason', 'user_denied');
            back.searchParams.set('error_description', 'Permissions error.');
          } else {
            back.searchParams.set('error_description', 'The user has denied your application access.');
          }
        } else {
          const code = randomBytes(10).toString('hex');
          codes.set(code, { ...pending, user: users[provider] });
          back.searchParams.set('code', code);
        }
        if (pending.state !== null) back.searchParams.set('state', pending.state);
        return redirect(res, back.href);
      }

      // ---- token endpoints
      const isToken =
        (provider === 'github' && path === '/login/oauth/access_token') ||
        (provider === 'facebook' && /^\/v\d+\.\d+\/oauth\/access_token$/.test(path)) ||
        (provider === 'x' && path === '/2/oauth2/token');
      if (isToken && req.method === 'POST') {
        const app = apps[provider];
        const params = form ?? {};
        let clientId = params.client_id;
        let clientSecret = params.client_secret;
        if (provider === 'x') {
          // Confidential clients authenticate with HTTP Basic (client id : client secret).
          const basic = /^Basic (.+)$/i.exec(String(req.headers.authorization ?? ''));
          if (!basic) return json(res, 401, { error: 'unauthorized_client', error_description: 'Missing valid authorization header' });
          const [id, secret] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':').map(decodeURIComponent);
          clientId = id;
          clientSecret = secret;
          if (params.grant_type !== 'authorization_code') return json(res, 400, { error: 'invalid_request', error_description: 'grant_type' });
        }
        const fail = (error: string, description: string, status = 400) =>
          // GitHub answers a failed exchange with HTTP 200 and the error in the body.
          provider === 'github' ? json(res, 200, { error, error_description: description, error_uri: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors' }) : json(res, status, provider === 'facebook' ? { error: { message: description, type: 'OAuthException', code: 100 } } : { error, error_description: description });
        if (clientId !== app.client_id || clientSecret !== app.client_secret) return fail('incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.', 401);
        const pending = codes.get(params.code ?? '');
        if (!pending || pending.provider !== provider || pending.client_id !== clientId) return fail('bad_verification_code', 'The code passed is incorrect or expired.');
        codes.delete(params.code!);
        if (params.redirect_uri !== pending.redirect_uri) return fail('redirect_uri_mismatch', 'The redirect_uri MUST match the registered callback URL for this application.');
        if (pending.code_challenge) {
          const verifier = params.code_verifier ?? '';
          const expected = pending.code_challenge_method === 'S256' ? s256(verifier) : verifier;
          if (expected !== pending.code_challenge) return fail('invalid_grant', 'The code_verifier does not match the code_challenge.');
        }
        const accessToken = randomBytes(16).toString('hex');
        tokens.set(accessToken, { provider, scope: pending.scope, user: pending.user });
        if (provider === 'github') {
          const payload = { access_token: accessToken, scope: pending.scope.split(' ').join(','), token_type: 'bearer' };
          // JSON only when asked for it; form-encoded otherwise, as GitHub does.
          if (String(req.headers.accept ?? '').includes('application/json')) return json(res, 200, payload);
          res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' });
          return res.end(new URLSearchParams(payload).toString());
        }
        if (provider === 'facebook') return json(res, 200, { access_token: accessToken, token_type: 'bearer', expires_in: 5183944 });
        return json(res, 200, { token_type: 'bearer', expires_in: 7200, access_token: accessToken, scope: pending.scope });
      }

      // ---- profile APIs
      const token = bearer(req) ?? query.get('access_token') ?? undefined;
      const grant = token ? tokens.get(token) : undefined;
      if (provider === 'github' && path.startsWith('/api/v3/')) {
        if (!req.headers['user-agent']) return json(res, 403, { message: 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header.' });
        if (!grant || grant.provider !== 'github') return json(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
        const u = grant.user;
        if (path === '/api/v3/user') {
          const primary = u.emails.find((e) => e.primary && e.visibility === 'public');
          return json(res, 200, { login: u.login, id: u.id, node_id: 'MDQ6VXNlcjE=', type: 'User', site_admin: false, name: u.name, company: null, email: primary?.email ?? null });
        }
        if (path === '/api/v3/user/emails') {
          if (!grant.scope.split(' ').includes('user:email') && !grant.scope.split(' ').includes('user')) {
            return json(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/users/emails#list-email-addresses-for-the-authenticated-user' });
          }
          return json(res, 200, u.emails);
        }
      }
      if (provider === 'facebook' && /^\/v\d+\.\d+\/me$/.test(path)) {
        if (!grant || grant.provider !== 'facebook') return json(res, 400, { error: { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190 } });
        // "Require App Secret" is on for this app: every call needs the proof.
        const proof = createHmac('sha256', apps.facebook.client_secret).update(token!).digest('hex');
        if (query.get('appsecret_proof') !== proof) return json(res, 400, { error: { message: 'API calls from the server require an appsecret_proof argument', type: 'GraphMethodException', code: 100 } });
        const u = grant.user;
        const [first, ...rest] = u.name.split(' ');
        const all: Record<string, string> = { id: String(u.id), name: u.name, first_name: first ?? '', last_name: rest.join(' ') };
        if (grant.scope.split(/[ ,]/).includes('email') && u.emails[0]) all.email = u.emails[0].email;
        const fields = (query.get('fields') ?? 'id,name').split(',');
        return json(res, 200, Object.fromEntries(fields.filter((f) => f in all).map((f) => [f, all[f]])));
      }
      if (provider === 'x' && path === '/2/users/me') {
        if (!grant || grant.provider !== 'x') return json(res, 401, { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' });
        const scopes = grant.scope.split(' ');
        if (!scopes.includes('users.read') || !scopes.includes('tweet.read')) return json(res, 403, { title: 'Forbidden', status: 403, detail: 'Missing scopes' });
        const fields = (query.get('user.fields') ?? '').split(',').filter(Boolean);
        if (fields.includes('confirmed_email') && !scopes.includes('users.email')) {
          return json(res, 403, { title: 'Forbidden', status: 403, detail: 'confirmed_email requires the users.email scope' });
        }
        const u = grant.user;
        const data: Record<string, string> = { id: String(u.id), name: u.name, username: u.login };
        if (fields.includes('confirmed_email') && u.emails[0]) data.confirmed_email = u.emails[0].email;
        return json(res, 200, { data });
      }
      return json(res, 404, { message: 'Not Found' });
    } catch (error) {
      json(res, 500, { message: String(error) });
    }
  });

  const url = server.base;
  const ghesUrl = `${url}/ghes`;

  const localUrl = (target: string): string => {
    const parsed = new URL(target);
    const prefix = LOCAL_PREFIX[parsed.origin];
    return prefix ? `${url}${prefix}${parsed.pathname}${parsed.search}` : target;
  };

  const rewritingFetch: typeof fetch = (input, init) => {
    const target = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return fetch(localUrl(target), init);
  };

  return {
    url,
    ghesUrl,
    requests,
    apps,
    users,
    fetch: rewritingFetch,
    localUrl,
    async consent(authorizationUrl, decision) {
      const page = await fetch(localUrl(authorizationUrl), { redirect: 'manual' });
      const text = await page.text();
      if (page.status !== 200) throw new Error(`the consent page answered ${page.status}: ${text}`);
      const action = /action="([^"]+)"/.exec(text)?.[1];
      const requestId = /name="request_id" value="([^"]+)"/.exec(text)?.[1];
      if (!action || !requestId) throw new Error(`no consent form on the page: ${text}`);
      const answer = await fetch(`${url}${action.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ request_id: requestId, decision }).toString(),
        redirect: 'manual',
      });
      const location = answer.headers.get('location');
      if (answer.status !== 302 || !location) throw new Error(`the consent form answered ${answer.status} without a redirect`);
      return new URL(location);
    },
    close: () => server.close(),
  };
}

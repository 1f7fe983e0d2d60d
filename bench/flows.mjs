// The browser and relying-party flows the bench drives: the login form, the authorization code flow.
import { createHash, randomBytes } from 'node:crypto';

export const REDIRECT = 'http://localhost:5000/cb';

export function decodeJwtHeader(token) {
  return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));
}

export function setCookies(res) {
  const cookies = {};
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    cookies[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return cookies;
}

export function hiddenField(html, name) {
  const m = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html);
  return m?.[1]?.replace(/&amp;/g, '&');
}

/** A fresh login page of an app's sign-in: what its form posts back (CSRF cookie and field, the flow). */
export async function loginForm(base, clientId) {
  const sso = await fetch(`${base}/sso/jwt/${clientId}?redirect_uri=${encodeURIComponent(REDIRECT)}`, { redirect: 'manual' });
  const loginPath = sso.headers.get('location');
  await sso.arrayBuffer();
  if (sso.status !== 303 || !loginPath?.startsWith('/login')) throw new Error(`SSO URL without a session: expected 303 to /login, got ${sso.status} ${loginPath}`);
  const page = await fetch(new URL(loginPath, base), { redirect: 'manual' });
  const html = await page.text();
  const form = { loginPath, csrfCookie: setCookies(page)['__Host-edge-sso-csrf'], csrf: hiddenField(html, 'csrf'), flow: hiddenField(html, 'flow') };
  if (page.status !== 200 || !form.csrfCookie || !form.csrf || !form.flow) throw new Error(`login page: status ${page.status}, csrf cookie/field/flow missing`);
  return form;
}

/** Posts the login form as a browser would. */
export function postLogin(base, form, email, password) {
  return fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base, cookie: `__Host-edge-sso-csrf=${form.csrfCookie}` },
    body: new URLSearchParams({ csrf: form.csrf, flow: form.flow, email, password }),
  });
}

/** Signs in through the login form; returns the session cookie header value. */
export async function signIn(base, clientId, email, password) {
  const post = await postLogin(base, await loginForm(base, clientId), email, password);
  const body = await post.text();
  const session = setCookies(post)['__Host-edge-sso-session'];
  if (post.status !== 303 || !session) throw new Error(`POST /login: expected 303 with a session cookie, got ${post.status}: ${body.slice(0, 300)}`);
  return `__Host-edge-sso-session=${session}`;
}

// --- OIDC: tokens from a real authorization code flow ----------------------------------------

export const basicAuth = ({ clientId, secret }) =>
  `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** An authorization request with the live session (PKCE): the code and its verifier. */
export async function authorizeCode(base, oidc, cookie) {
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL('/oauth2/authorize', base);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: oidc.clientId,
    redirect_uri: REDIRECT,
    scope: 'openid email profile offline_access',
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const res = await fetch(authorize, { headers: { cookie }, redirect: 'manual' });
  await res.arrayBuffer();
  const code = res.headers.get('location') && new URL(res.headers.get('location')).searchParams.get('code');
  if (!code) throw new Error(`GET /oauth2/authorize with a session: expected a redirect with a code, got ${res.status} ${res.headers.get('location')}`);
  return { code, verifier };
}

/** The code exchange at the token endpoint (client_secret_basic). */
export function exchangeCode(base, oidc, { code, verifier }) {
  return fetch(new URL('/oauth2/token', base), {
    method: 'POST',
    headers: { authorization: basicAuth(oidc), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }),
  });
}

/** One authorization code flow with the live session: authorize (PKCE) → code → token endpoint. */
export async function codeFlowTokens(base, oidc, cookie) {
  const token = await exchangeCode(base, oidc, await authorizeCode(base, oidc, cookie));
  const body = await token.json().catch(() => null);
  if (token.status !== 200 || !body?.refresh_token || !body?.access_token) {
    throw new Error(`POST /oauth2/token (authorization_code): expected 200 with access and refresh tokens, got ${token.status} ${JSON.stringify(body)}`);
  }
  return body;
}

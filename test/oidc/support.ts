// Drives the OpenID Provider the way a relying party and a browser would.
import { Browser, call, createApp, createUser, PASSWORD, type CreatedApp } from '../helpers';

export const REDIRECT = 'https://rp.example.com/callback';
export const VERIFIER = 'dBjftJeZ4CVP-mJ92K9ruyZhSqA2hZrC1H1iVt3J8Vk0123456789';

export async function challengeOf(verifier: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  return btoa(String.fromCharCode(...digest)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** An OIDC app. PKCE is not required unless asked (new apps require it by default: test/oidc/pkce-required.test.ts). */
export function oidcApp(fields: Record<string, unknown> = {}): Promise<CreatedApp> {
  return createApp({ redirect_urls: [REDIRECT], logout_urls: ['https://rp.example.com/signed-out'], require_pkce: false, ...fields });
}

export function authorizePath(app: { client_id: string }, params: Record<string, string> = {}): string {
  const query = new URLSearchParams({ client_id: app.client_id, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid profile email', state: 'st-1', ...params });
  return `/oauth2/authorize?${query}`;
}

/** A browser with a live session for a new user. */
export async function signedIn(fields: Record<string, unknown> = {}): Promise<{ browser: Browser; user: { id: string; email: string } }> {
  const user = await createUser(fields);
  const browser = new Browser();
  const page = await browser.fetch('/login');
  const res = await browser.submitLogin(await page.text(), user.email, PASSWORD);
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  return { browser, user };
}

/** The parameters of a query-mode authorization response. */
export function responseParams(res: Response): Record<string, string> {
  if (res.status !== 303) throw new Error(`expected a redirect, got ${res.status}`);
  const url = new URL(res.headers.get('location')!);
  return Object.fromEntries(url.searchParams);
}

/** Runs the authorization request with a signed-in browser and returns the code. */
export async function codeFor(browser: Browser, app: { client_id: string }, params: Record<string, string> = {}): Promise<string> {
  const res = await browser.fetch(authorizePath(app, { code_challenge: await challengeOf(VERIFIER), code_challenge_method: 'S256', ...params }));
  const got = responseParams(res);
  if (!got.code) throw new Error(`no code: ${JSON.stringify(got)}`);
  return got.code;
}

export function basic(clientId: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s);
  return `Basic ${btoa(`${enc(clientId)}:${enc(secret)}`)}`;
}

export function tokenRequest(body: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return call('/oauth2/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(body) });
}

/** Redeems a code as a client_secret_basic client. */
export function redeem(app: CreatedApp, code: string, extra: Record<string, string> = {}): Promise<Response> {
  return tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER, ...extra }, { authorization: basic(app.client_id, app.client_secret) });
}

export function refreshWith(app: CreatedApp, refreshToken: string): Promise<Response> {
  return tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }, { authorization: basic(app.client_id, app.client_secret) });
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  id_token: string;
  scope: string;
  refresh_token?: string;
}

export function form(path: string, body: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return call(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(body) });
}

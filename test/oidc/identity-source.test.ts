// An OIDC app whose primary identity source is set (issue #9): the authorization endpoint sends
// the browser straight to that source, as the JWT SSO URL does, and an error at the source
// (the person cancels: access_denied) reaches the app's redirect URI with state and iss. ID
// tokens from a source's session name it in `idp`, after the code grant and after every refresh.
import { env } from 'cloudflare:workers';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/db/client';
import { parseNewSource } from '../../src/federation/input';
import { createSource } from '../../src/federation/store';
import { SESSION_COOKIE } from '../../src/http/cookies';
import { kvKeys } from '../../src/sessions/kv';
import type { SessionRecord } from '../../src/sessions/sessions';
import { sha256Hex } from '../../src/lib/encoding';
import { Browser, call, createApp, ORIGIN, unique } from '../helpers';
import { authorizePath, codeFor, oidcApp, redeem, REDIRECT, refreshWith, signedIn, type TokenResponse } from './support';

/** A GitHub-style source (OAuth2: no discovery, so its issuer is never contacted here). */
async function githubSource() {
  const slug = unique('gh').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40);
  const input = parseNewSource({ type: 'github', slug, name: 'GitHub', client_id: 'gh-client', client_secret: 'upstream-secret-value' });
  return (await createSource(database(env.DB), env.KEY_ENCRYPTION_KEY, input)).source;
}

describe('the OIDC authorization endpoint with a primary identity source', () => {
  it('sends a browser without a session straight to the source, and prompt=login along with it', async () => {
    const source = await githubSource();
    const app = await oidcApp({ identity_source: source.slug });
    const res = await call(authorizePath(app));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(new RegExp(`^/federation/${source.slug}/start\\?flow=[A-Za-z0-9_-]+$`));
    const forced = await call(authorizePath(app, { prompt: 'login' }));
    expect(forced.headers.get('location')).toMatch(new RegExp(`^/federation/${source.slug}/start\\?flow=.+&prompt=login$`));
  });

  it('does not accept a session from edge-sso’s own login page for that app', async () => {
    const source = await githubSource();
    const app = await oidcApp({ identity_source: source.slug });
    const { browser } = await signedIn();
    const res = await browser.fetch(authorizePath(app));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(new RegExp(`^/federation/${source.slug}/start\\?`));
  });

  it('passes access_denied at the source back to the app, with state and iss', async () => {
    const source = await githubSource();
    const app = await oidcApp({ identity_source: source.slug });
    const browser = new Browser();
    const toSource = await browser.fetch(authorizePath(app, { state: 'st-upstream' }));
    const upstream = await browser.fetch(toSource.headers.get('location')!);
    expect(upstream.status).toBe(303);
    const authorizeUrl = new URL(upstream.headers.get('location')!);
    expect(authorizeUrl.origin).toBe('https://github.com');
    const state = authorizeUrl.searchParams.get('state')!;

    const back = await browser.fetch(`/federation/${source.slug}/callback?error=access_denied&error_description=The+user+cancelled&state=${encodeURIComponent(state)}`);
    expect(back.status).toBe(303);
    const location = new URL(back.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({ error: 'access_denied', state: 'st-upstream', iss: ORIGIN });
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('still shows edge-sso’s page when the sign-in came from the JWT SSO URL', async () => {
    const source = await githubSource();
    const app = await createApp({ identity_source: source.slug });
    const browser = new Browser();
    const toSource = await browser.fetch(`/sso/jwt/${app.client_id}`);
    const upstream = await browser.fetch(toSource.headers.get('location')!);
    const state = new URL(upstream.headers.get('location')!).searchParams.get('state')!;
    const back = await browser.fetch(`/federation/${source.slug}/callback?error=access_denied&state=${encodeURIComponent(state)}`);
    expect(back.status).toBe(400);
    expect(await back.text()).toContain('Sign-in cancelled');
  });
});

/**
 * A browser whose session came from `slug`, as the federation callback records it (amr `fed`,
 * `source`). The upstream round trip is covered by test/e2e/federation.test.ts against a real
 * provider; here the session is signed in with a password and its record then rewritten.
 */
async function federatedBrowser(slug: string): Promise<Browser> {
  const { browser } = await signedIn();
  const id = browser.cookies.get(`__Host-${SESSION_COOKIE}`);
  const key = kvKeys.session(await sha256Hex(id ?? ''));
  const record = await env.KV.get<SessionRecord>(key, 'json');
  if (!id || !record) throw new Error('the password sign-in left no session to rewrite');
  await env.KV.put(key, JSON.stringify({ ...record, amr: ['fed'], source: slug } satisfies SessionRecord));
  return browser;
}

async function idTokenOf(tokens: TokenResponse, clientId: string): Promise<JWTPayload> {
  const jwks = createLocalJWKSet(await (await call('/.well-known/jwks.json')).json());
  return (await jwtVerify(tokens.id_token, jwks, { issuer: ORIGIN, audience: clientId })).payload;
}

describe('the ID token names the identity source in idp', () => {
  it('after the code grant and after each refresh, when the session came from a source', async () => {
    const source = await githubSource();
    const app = await oidcApp({ identity_source: source.slug });
    const browser = await federatedBrowser(source.slug);
    const first = (await (await redeem(app, await codeFor(browser, app, { scope: 'openid email offline_access' }))).json()) as TokenResponse;
    expect(await idTokenOf(first, app.client_id)).toMatchObject({ idp: source.slug, amr: ['fed'] });

    let refreshToken = first.refresh_token!;
    for (let i = 0; i < 2; i++) {
      const res = await refreshWith(app, refreshToken);
      expect(res.status).toBe(200);
      const next = (await res.json()) as TokenResponse;
      expect(await idTokenOf(next, app.client_id)).toMatchObject({ idp: source.slug, amr: ['fed'] });
      refreshToken = next.refresh_token!;
    }
  });

  it('is absent for a password session, after the code grant and after a refresh', async () => {
    const app = await oidcApp();
    const { browser } = await signedIn();
    const first = (await (await redeem(app, await codeFor(browser, app, { scope: 'openid offline_access' }))).json()) as TokenResponse;
    const claims = await idTokenOf(first, app.client_id);
    expect(claims.amr).toEqual(['pwd']);
    expect(claims).not.toHaveProperty('idp');
    const refreshed = (await (await refreshWith(app, first.refresh_token!)).json()) as TokenResponse;
    expect(await idTokenOf(refreshed, app.client_id)).not.toHaveProperty('idp');
  });

  it('is not released at userinfo, and discovery lists it', async () => {
    const source = await githubSource();
    const app = await oidcApp({ identity_source: source.slug });
    const browser = await federatedBrowser(source.slug);
    const tokens = (await (await redeem(app, await codeFor(browser, app))).json()) as TokenResponse;
    const userinfo = await (await call('/oauth2/userinfo', { headers: { authorization: `Bearer ${tokens.access_token}` } })).json();
    expect(userinfo).not.toHaveProperty('idp');
    const discovery = (await (await call('/.well-known/openid-configuration')).json()) as { claims_supported: string[] };
    expect(discovery.claims_supported).toContain('idp');
  });
});

// An OIDC app whose primary identity source is set (issue #9): the authorization endpoint sends
// the browser straight to that source, as the JWT SSO URL does, and an error at the source
// (the person cancels: access_denied) reaches the app's redirect URI with state and iss.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/db/client';
import { parseNewSource } from '../../src/federation/input';
import { createSource } from '../../src/federation/store';
import { Browser, call, createApp, ORIGIN, unique } from '../helpers';
import { authorizePath, oidcApp, REDIRECT, signedIn } from './support';

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

// GET /sso/logout: ends the session everywhere it is stored, and returns to the app only at a URL
// registered for it.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { Browser, call, createApp, createUser, delivered, PASSWORD } from '../helpers';

const SESSION = '__Host-edge-sso-session';

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function signedIn(fields: Record<string, unknown> = {}) {
  const app = await createApp({
    redirect_urls: ['https://app.example.com/callback', 'https://app.example.com/other'],
    logout_urls: ['https://app.example.com/signed-out', 'https://www.example.org/bye?from=sso'],
    ...fields,
  });
  const user = await createUser();
  const browser = new Browser();
  const { params } = await delivered(await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD));
  expect(params.id_token).toBeTruthy();
  const cookie = browser.cookies.get(SESSION)!;
  expect(cookie).toBeTruthy();
  return { app, user, browser, cookie, key: `session:${await sha256Hex(cookie)}` };
}

const logoutPath = (clientId: string | undefined, redirectUri: string | undefined, state?: string) => {
  const q = new URLSearchParams();
  if (clientId !== undefined) q.set('client_id', clientId);
  if (redirectUri !== undefined) q.set('redirect_uri', redirectUri);
  if (state !== undefined) q.set('state', state);
  return `/sso/logout?${q}`;
};

function expectCookieCleared(res: Response) {
  const line = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION}=`));
  expect(line).toBeDefined();
  expect(line).toMatch(new RegExp(`^${SESSION}=;`));
  expect(line!.toLowerCase()).toContain('max-age=0');
  expect(line!.toLowerCase()).toContain('path=/');
  expect(line!.toLowerCase()).toContain('secure');
}

async function expectSignedOut(s: Awaited<ReturnType<typeof signedIn>>) {
  expect(await env.KV.get(s.key)).toBeNull();
  // Even a browser that kept the old cookie is sent to the login page.
  const stale = new Browser();
  stale.cookies.set(SESSION, s.cookie);
  const res = await stale.fetch(`/sso/jwt/${s.app.client_id}`);
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toMatch(/^\/login\?flow=/);
  expect(s.browser.cookies.has(SESSION)).toBe(false);
  expect((await s.browser.fetch(`/sso/jwt/${s.app.client_id}`)).headers.get('location')).toMatch(/^\/login\?flow=/);
}

describe('GET /sso/logout', () => {
  it.each([
    ['a registered logout URL', 'https://app.example.com/signed-out', 'https://app.example.com/signed-out'],
    ['a registered logout URL with a query', 'https://www.example.org/bye?from=sso', 'https://www.example.org/bye?from=sso'],
    ['a registered redirect URL', 'https://app.example.com/other', 'https://app.example.com/other'],
    ['a spelling the URL parser normalises to a registered URL', 'https://APP.example.com:443/signed-out', 'https://app.example.com/signed-out'],
  ])('ends the session and sends the browser (303) to %s', async (_, requested, expected) => {
    const s = await signedIn();
    expect(await env.KV.get(s.key)).not.toBeNull();
    const res = await s.browser.fetch(logoutPath(s.app.client_id, requested));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(expected);
    expectCookieCleared(res);
    await expectSignedOut(s);
  });

  it('passes the state through', async () => {
    const s = await signedIn();
    const res = await s.browser.fetch(logoutPath(s.app.client_id, 'https://www.example.org/bye?from=sso', 'st &=ate'));
    expect(res.status).toBe(303);
    const url = new URL(res.headers.get('location')!);
    expect(url.origin + url.pathname).toBe('https://www.example.org/bye');
    expect(url.searchParams.get('from')).toBe('sso');
    expect(url.searchParams.get('state')).toBe('st &=ate');
    await expectSignedOut(s);
  });

  it.each([
    ['an unregistered URL', 'https://evil.example.com/'],
    ['a registered URL with an extra path', 'https://app.example.com/signed-out/extra'],
    ['a registered URL on another port', 'https://app.example.com:8443/signed-out'],
    ['a registered URL over http', 'http://app.example.com/signed-out'],
    ['a registered URL with a fragment', 'https://app.example.com/signed-out#x'],
    ['a registered URL in the path of another host', 'https://evil.example.com/https://app.example.com/signed-out'],
    ['a registered host as userinfo', 'https://app.example.com@evil.example.com/signed-out'],
    ['a backslash trick', 'https://app.example.com\\@evil.example.com/signed-out'],
    ['a scheme-relative URL', '//evil.example.com/'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['an empty URL', ''],
  ])('ends the session but shows the signed-out page, with no redirect, for %s', async (_, requested) => {
    const s = await signedIn();
    const res = await s.browser.fetch(logoutPath(s.app.client_id, requested, 'x'));
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    const html = await res.text();
    expect(html).toContain('You are signed out');
    expect(html).toContain('not registered');
    expectCookieCleared(res);
    await expectSignedOut(s);
  });

  it("does not send the browser to another app's registered URL", async () => {
    const s = await signedIn();
    const other = await createApp({ redirect_urls: ['https://other-app.example.net/cb'] });
    const res = await s.browser.fetch(logoutPath(s.app.client_id, other.redirect_urls[0]));
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    await expectSignedOut(s);
  });

  it('ends the session but shows the signed-out page for an unknown client', async () => {
    const s = await signedIn();
    const res = await s.browser.fetch(logoutPath('no-such-client', 'https://app.example.com/signed-out'));
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('You are signed out');
    await expectSignedOut(s);
  });

  it.each([
    ['no parameters', undefined, undefined],
    ['only client_id', 'APP', undefined],
    ['only redirect_uri', undefined, 'https://app.example.com/signed-out'],
  ])('ends the session and shows the signed-out page with %s', async (_, clientId, redirectUri) => {
    const s = await signedIn();
    const res = await s.browser.fetch(logoutPath(clientId === 'APP' ? s.app.client_id : clientId, redirectUri));
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('You are signed out');
    expectCookieCleared(res);
    await expectSignedOut(s);
  });

  it('ends only this browser session, not the sessions of other users', async () => {
    const s = await signedIn();
    const other = await signedIn();
    await s.browser.fetch(logoutPath(s.app.client_id, 'https://app.example.com/signed-out'));
    await expectSignedOut(s);
    expect(await env.KV.get(other.key)).not.toBeNull();
    expect((await delivered(await other.browser.fetch(`/sso/jwt/${other.app.client_id}`))).params.id_token).toBeTruthy();
  });

  it('works without a session too, still only redirecting to registered URLs', async () => {
    const app = await createApp({ logout_urls: ['https://app.example.com/signed-out'] });
    const ok = await call(logoutPath(app.client_id, 'https://app.example.com/signed-out', 'z'));
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('https://app.example.com/signed-out?state=z');
    const refused = await call(logoutPath(app.client_id, 'https://evil.example.com/'));
    expect(refused.status).toBe(200);
    expect(refused.headers.get('location')).toBeNull();
  });

  it('is not cacheable', async () => {
    const s = await signedIn();
    const res = await s.browser.fetch(logoutPath(s.app.client_id, 'https://app.example.com/signed-out'));
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

// Logout CSRF (issue #8, item 5): a cross-site GET /sso/logout without proof that an app asked
// (registered client_id + redirect_uri, or an id_token_hint this issuer signed for the user)
// asks "Sign out?" with a CSRF-protected POST button instead of ending the session.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { Browser, createApp, createUser, delivered, hiddenFields, ORIGIN, PASSWORD } from '../helpers';

const SESSION = '__Host-edge-sso-session';
const CROSS_SITE = { 'sec-fetch-site': 'cross-site' };

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function signedIn(alg = 'ES256', app?: Awaited<ReturnType<typeof createApp>>) {
  app ??= await createApp({ signing_alg: alg, redirect_urls: ['https://app.example.com/callback'], logout_urls: ['https://app.example.com/bye'] });
  const user = await createUser();
  const browser = new Browser();
  const { params } = await delivered(await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD));
  const cookie = browser.cookies.get(SESSION)!;
  expect(cookie).toBeTruthy();
  return { app, user, browser, idToken: params.id_token!, sessionKey: `session:${await sha256Hex(cookie)}` };
}

async function expectStillSignedIn(s: Awaited<ReturnType<typeof signedIn>>) {
  expect(await env.KV.get(s.sessionKey)).not.toBeNull();
  const again = await s.browser.fetch(`/sso/jwt/${s.app.client_id}`);
  expect((await delivered(again)).params.id_token).toBeTruthy();
}

async function expectSignedOut(s: Awaited<ReturnType<typeof signedIn>>) {
  expect(await env.KV.get(s.sessionKey)).toBeNull();
  expect(s.browser.cookies.has(SESSION)).toBe(false);
}

async function expectConfirmation(res: Response): Promise<string> {
  expect(res.status).toBe(200);
  const html = await res.text();
  expect(html).toContain('<h1>Sign out?</h1>');
  expect(html).toMatch(/<form method="post" action="\/sso\/logout">/);
  expect(hiddenFields(html).csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(res.headers.getSetCookie().some((c) => c.startsWith(`${SESSION}=`))).toBe(false);
  return html;
}

function confirm(browser: Browser, html: string, headers: Record<string, string> = { origin: ORIGIN, 'sec-fetch-site': 'same-origin' }) {
  return browser.fetch('/sso/logout', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(hiddenFields(html)),
  });
}

describe('GET /sso/logout from another site', () => {
  it('without proof asks "Sign out?" and keeps the session; the button signs out', async () => {
    const s = await signedIn();
    const html = await expectConfirmation(await s.browser.fetch('/sso/logout', { headers: CROSS_SITE }));
    expect(html).toContain(s.user.email);
    expect(html).toContain('href="/my-apps"');
    await expectStillSignedIn(s);

    const res = await confirm(s.browser, html);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You are signed out');
    await expectSignedOut(s);
  });

  it('refuses the confirmation POST from another site or without the CSRF token', async () => {
    const s = await signedIn();
    const html = await expectConfirmation(await s.browser.fetch('/sso/logout', { headers: CROSS_SITE }));
    expect((await confirm(s.browser, html, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    const noToken = await s.browser.fetch('/sso/logout', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }, body: '' });
    expect(noToken.status).toBe(403);
    await expectStillSignedIn(s);
  });

  it('with a client_id but an unregistered redirect_uri asks, and the button returns nowhere unregistered', async () => {
    const s = await signedIn();
    const path = `/sso/logout?client_id=${s.app.client_id}&redirect_uri=${encodeURIComponent('https://evil.example/')}`;
    const html = await expectConfirmation(await s.browser.fetch(path, { headers: CROSS_SITE }));
    await expectStillSignedIn(s);
    const res = await confirm(s.browser, html);
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    await expectSignedOut(s);
  });

  it('with a registered client_id + redirect_uri signs out at once and returns to the app', async () => {
    const s = await signedIn();
    const res = await s.browser.fetch(`/sso/logout?client_id=${s.app.client_id}&redirect_uri=${encodeURIComponent('https://app.example.com/bye')}&state=s1`, { headers: CROSS_SITE });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('https://app.example.com/bye?state=s1');
    await expectSignedOut(s);
  });

  it('the confirmation keeps client_id, redirect_uri and state, so the button returns to the app', async () => {
    const s = await signedIn();
    // The return URL is registered for one app, but the request names another: no proof, so ask.
    const other = await createApp({ redirect_urls: ['https://other.example.com/cb'] });
    const path = `/sso/logout?client_id=${other.client_id}&redirect_uri=${encodeURIComponent('https://app.example.com/bye')}&state=s2`;
    const html = await expectConfirmation(await s.browser.fetch(path, { headers: CROSS_SITE }));
    expect(hiddenFields(html)).toMatchObject({ client_id: other.client_id, redirect_uri: 'https://app.example.com/bye', state: 's2' });
    const res = await confirm(s.browser, html.replace(other.client_id, s.app.client_id));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('https://app.example.com/bye?state=s2');
    await expectSignedOut(s);
  });

  it.each(['ES256', 'RS256', 'HS256'])('with an %s id_token_hint this issuer signed for the user signs out at once', async (alg) => {
    const s = await signedIn(alg);
    const res = await s.browser.fetch(`/sso/logout?id_token_hint=${s.idToken}`, { headers: CROSS_SITE });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You are signed out');
    await expectSignedOut(s);
  });

  it("asks when the id_token_hint is another user's, altered, or not a token", async () => {
    const s = await signedIn();
    const other = await signedIn('ES256', s.app);
    const [h, p, sig] = s.idToken.split('.') as [string, string, string];
    const claims = JSON.parse(atob(p.replace(/-/g, '+').replace(/_/g, '/')));
    const forgedPayload = btoa(JSON.stringify({ ...claims, sub: 'someone-else' })).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    for (const hint of [other.idToken, `${h}.${forgedPayload}.${sig}`, 'not-a-token', `${h}.${p}.`, 'x'.repeat(10_000)]) {
      await expectConfirmation(await s.browser.fetch(`/sso/logout?id_token_hint=${encodeURIComponent(hint)}`, { headers: CROSS_SITE }));
    }
    await expectStillSignedIn(s);
  });
});

describe('GET /sso/logout from this site or a plain link', () => {
  it.each([['same-origin'], ['same-site'], ['none'], [undefined]])('signs out at once with Sec-Fetch-Site %s', async (site) => {
    const s = await signedIn();
    const res = await s.browser.fetch('/sso/logout', { headers: site ? { 'sec-fetch-site': site } : {} });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You are signed out');
    await expectSignedOut(s);
  });

  it('without a session, a cross-site request just shows the signed-out page', async () => {
    const res = await new Browser().fetch('/sso/logout', { headers: CROSS_SITE });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You are signed out');
  });
});

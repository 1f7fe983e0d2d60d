// RP-Initiated Logout: ends the session, returns only to registered URLs, and is CSRF-safe.
import { describe, expect, it } from 'vitest';
import type { Browser } from '../helpers';
import { hiddenFields } from '../helpers';
import { codeFor, oidcApp, redeem, responseParams, authorizePath, signedIn, type TokenResponse } from './support';

const SIGNED_OUT = 'https://rp.example.com/signed-out';

async function signedInWithIdToken() {
  const app = await oidcApp();
  const { browser, user } = await signedIn();
  const tokens = (await (await redeem(app, await codeFor(browser, app))).json()) as TokenResponse;
  return { app, browser, user, idToken: tokens.id_token };
}

async function hasSession(browser: Browser, app: { client_id: string }): Promise<boolean> {
  const res = await browser.fetch(authorizePath(app, { prompt: 'none' }));
  return responseParams(res).code !== undefined;
}

describe('RP-initiated logout', () => {
  it('with a valid id_token_hint: ends the session and returns to the registered URL with state', async () => {
    const { app, browser, idToken } = await signedInWithIdToken();
    const query = new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: SIGNED_OUT, state: 'bye' });
    const res = await browser.fetch(`/oauth2/logout?${query}`, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${SIGNED_OUT}?state=bye`);
    expect(await hasSession(browser, app)).toBe(false);
  });

  it('POST from the app works the same', async () => {
    const { app, browser, idToken } = await signedInWithIdToken();
    const res = await browser.fetch('/oauth2/logout', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ id_token_hint: idToken, client_id: app.client_id, post_logout_redirect_uri: SIGNED_OUT }),
    });
    expect(res.headers.get('location')).toBe(SIGNED_OUT);
    expect(await hasSession(browser, app)).toBe(false);
  });

  it('an unregistered post_logout_redirect_uri is never followed', async () => {
    const { app, browser, idToken } = await signedInWithIdToken();
    for (const uri of ['https://evil.example.com/', 'https://rp.example.com/callback']) {
      const query = new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: uri });
      const res = await browser.fetch(`/oauth2/logout?${query}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('not registered');
    }
    expect(await hasSession(browser, app)).toBe(false);
  });

  it('an app with no registered logout URLs is never redirected to', async () => {
    const app = await oidcApp({ logout_urls: [] });
    const { browser } = await signedIn();
    const tokens = (await (await redeem(app, await codeFor(browser, app))).json()) as TokenResponse;
    const query = new URLSearchParams({ id_token_hint: tokens.id_token, post_logout_redirect_uri: 'https://rp.example.com/callback' });
    const res = await browser.fetch(`/oauth2/logout?${query}`);
    expect(res.status).toBe(200);
  });

  it('a cross-site GET without a hint asks first; the confirmation POST signs out', async () => {
    const { app, browser } = await signedInWithIdToken();
    const query = new URLSearchParams({ client_id: app.client_id, post_logout_redirect_uri: SIGNED_OUT, state: 's' });
    const ask = await browser.fetch(`/oauth2/logout?${query}`, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(ask.status).toBe(200);
    const html = await ask.text();
    expect(html).toContain('Sign out?');
    expect(await hasSession(browser, app)).toBe(true);
    // The POST ends in a redirect to the app: browsers check it against this page's form-action.
    expect(ask.headers.get('content-security-policy')).toContain(`form-action 'self' ${new URL(SIGNED_OUT).origin}`);

    const fields = hiddenFields(html);
    expect(fields).toMatchObject({ confirm: 'yes', client_id: app.client_id, post_logout_redirect_uri: SIGNED_OUT, state: 's' });
    const forged = await browser.fetch('/oauth2/logout', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://sso.test' }, body: new URLSearchParams({ ...fields, csrf: 'forged' }) });
    expect(forged.status).toBe(403);
    expect(await hasSession(browser, app)).toBe(true);

    const confirmed = await browser.fetch('/oauth2/logout', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://sso.test' }, body: new URLSearchParams(fields) });
    expect(confirmed.headers.get('location')).toBe(`${SIGNED_OUT}?state=s`);
    expect(await hasSession(browser, app)).toBe(false);
  });

  it('a hint for another user asks first', async () => {
    const { idToken } = await signedInWithIdToken();
    const { browser } = await signedIn();
    const res = await browser.fetch(`/oauth2/logout?${new URLSearchParams({ id_token_hint: idToken })}`);
    expect(await res.text()).toContain('Sign out?');
  });

  it('a forged hint proves nothing: the person is asked', async () => {
    const { app, browser, idToken } = await signedInWithIdToken();
    const [h, p] = idToken.split('.');
    const res = await browser.fetch(`/oauth2/logout?${new URLSearchParams({ id_token_hint: `${h}.${p}.AAAA`, client_id: app.client_id, post_logout_redirect_uri: SIGNED_OUT })}`);
    expect(await res.text()).toContain('Sign out?');
    expect(await hasSession(browser, app)).toBe(true);
  });

  it('a hint for another client than client_id is refused, without a redirect', async () => {
    const { app, browser, idToken } = await signedInWithIdToken();
    const other = await oidcApp();
    const res = await browser.fetch(`/oauth2/logout?${new URLSearchParams({ id_token_hint: idToken, client_id: other.client_id, post_logout_redirect_uri: SIGNED_OUT })}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await hasSession(browser, app)).toBe(true);
  });

  it('without a session, shows the signed-out page (or returns to the registered URL)', async () => {
    const app = await oidcApp();
    const { Browser } = await import('../helpers');
    const fresh = new Browser();
    expect(await (await fresh.fetch('/oauth2/logout')).text()).toContain('You are signed out');
    const back = await fresh.fetch(`/oauth2/logout?${new URLSearchParams({ client_id: app.client_id, post_logout_redirect_uri: SIGNED_OUT })}`);
    expect(back.headers.get('location')).toBe(SIGNED_OUT);
  });
});

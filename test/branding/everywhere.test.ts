// Branding everywhere (issue #8, item 16): My apps, signed-out, error and confirmation pages use
// the global branding, and the app's own branding where the page is about one app.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, Browser, call, createApp, createUser, ORIGIN, PASSWORD, unique } from '../helpers';

const GLOBAL = { product_name: unique('Globex'), primary_color: '#7a1f5c' };
const APP_BRAND = { product_name: unique('Billing'), primary_color: '#0b5a2a' };

function expectBranded(html: string, brand: { product_name: string; primary_color: string }) {
  expect(html).toContain(`<p class="brand">${brand.product_name}</p>`);
  expect(html).toMatch(new RegExp(`<style nonce="[^"]+">:root \\{ --accent: ${brand.primary_color}; \\}</style>`));
}

beforeAll(async () => {
  expect((await admin('PUT', '/branding', GLOBAL)).status).toBe(200);
});
afterAll(async () => {
  await admin('PUT', '/branding', { product_name: '', primary_color: '' });
});

describe('global branding', () => {
  it.each([
    ['the 404 page', () => call('/nope'), 404],
    ['the refused-form page', () => call('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }, body: 'email=a' }), 403],
    ['the signed-out page', () => call('/sso/logout'), 200],
    ['the unknown-app page', () => call('/sso/jwt/no-such-app'), 404],
    ['the invalid-request page', () => call('/sso/jwt'), 400],
  ] as const)('is on %s', async (_, request, status) => {
    const res = await request();
    expect(res.status).toBe(status);
    expectBranded(await res.text(), GLOBAL);
  });

  it('is on My apps and the sign-out confirmation', async () => {
    const user = await createUser();
    const browser = new Browser();
    await browser.submitLogin(await (await browser.fetch('/login')).text(), user.email, PASSWORD);
    expectBranded(await (await browser.fetch('/my-apps')).text(), GLOBAL);
    const confirm = await browser.fetch('/sso/logout', { headers: { 'sec-fetch-site': 'cross-site' } });
    const html = await confirm.text();
    expect(html).toContain('<h1>Sign out?</h1>');
    expectBranded(html, GLOBAL);
  });
});

describe("an app's branding", () => {
  it("is on the pages about that app: its bad-redirect page, its sign-out confirmation and its signed-out page", async () => {
    const app = await createApp({ branding: APP_BRAND, redirect_urls: ['https://billing.example.com/cb'] });
    const bad = await call(`/sso/jwt/${app.client_id}?redirect_uri=${encodeURIComponent('https://evil.example/')}`);
    expect(bad.status).toBe(400);
    expectBranded(await bad.text(), APP_BRAND);

    const user = await createUser();
    const browser = new Browser();
    await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD);
    const confirm = await browser.fetch(`/sso/logout?client_id=${app.client_id}`, { headers: { 'sec-fetch-site': 'cross-site' } });
    expectBranded(await confirm.text(), APP_BRAND);
    const signedOut = await browser.fetch(`/sso/logout?client_id=${app.client_id}&redirect_uri=${encodeURIComponent('https://evil.example/')}`);
    expect(signedOut.status).toBe(200);
    expectBranded(await signedOut.text(), APP_BRAND);
  });
});

// A first second factor comes with recovery codes at once (on /account and in the forced
// enrolment of a sign-in), and the authenticator entry carries the product's branding name.
import { env } from 'cloudflare:workers';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, createApp, createUser, delivered, hiddenFields, ORIGIN, Browser, PASSWORD } from '../helpers';
import { database } from '../../src/db/client';
import { consumeRecoveryCode, generateFirstRecoveryCodes } from '../../src/mfa/recovery';
import { pageOptions, SoftAuthenticator, type CreationOptions } from './authenticator';
import { enrolTotp, form, signedIn } from './support';

const PRODUCT = 'Acme Login';
const codesOf = (html: string) => [...html.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]!);
const unusedCodes = async (userId: string) => ((await (await admin('GET', `/users/${userId}/factors`)).json()) as { recovery_codes_left: number }).recovery_codes_left;

describe('first enrolment', () => {
  beforeAll(async () => {
    expect((await admin('PUT', '/branding', { product_name: PRODUCT })).status).toBe(200);
  });
  afterAll(async () => {
    await admin('PUT', '/branding', { product_name: '' });
  });

  it('an authenticator app turned on from /account shows ten recovery codes once, with copy and download', async () => {
    const user = await createUser();
    const browser = await signedIn(user.email);
    const { res } = await enrolTotp(browser);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account/recovery-codes');
    // Bound to this user: another signed-in user replaying the sealed cookie is sent to /account, and no one signed out sees them.
    const sealed = [...browser.cookies].find(([name]) => name.includes('recovery'))!;
    const other = await signedIn((await createUser()).email);
    other.cookies.set(...sealed);
    expect((await other.fetch('/account/recovery-codes')).headers.get('location')).toBe('/account');
    const anonymous = new Browser();
    anonymous.cookies.set(...sealed);
    expect((await anonymous.fetch('/account/recovery-codes')).headers.get('location')).toMatch(/^\/login/);
    const shown = await browser.fetch('/account/recovery-codes');
    expect(shown.headers.get('cache-control')).toBe('no-store');
    const page = await shown.text();
    const codes = codesOf(page);
    expect(codes).toHaveLength(10);
    expect(page).toContain('The authenticator app is on.');
    expect(page).toContain('download="acme-login-recovery-codes.txt"');
    expect(page).toContain(`data-copy="${codes.join('\n')}"`);
    expect(page).toContain('<a class="button" href="/account?done=totp">');
    expect(await unusedCodes(user.id)).toBe(10);
    // Shown once: the page does not show them again.
    const again = await browser.fetch('/account/recovery-codes');
    expect(again.status).toBe(303);

    // A second factor added later does not replace the codes the user saved.
    const html = await (await browser.fetch('/account')).text();
    const passkey = await browser.fetch('/account/passkeys', form({ csrf: hiddenFields(html).csrf!, response: await new SoftAuthenticator(ORIGIN).register(pageOptions<CreationOptions>(html)), name: 'Key' }));
    expect(passkey.headers.get('location')).toBe('/account?done=passkey');
    expect(await unusedCodes(user.id)).toBe(10);
  });

  it('a first set is generated once however many enrolments race (one D1 transaction)', async () => {
    const user = await createUser();
    const db = database(env.DB);
    const sets = await Promise.all(Array.from({ length: 5 }, () => generateFirstRecoveryCodes(db, user.id)));
    const made = sets.filter((s) => s !== null);
    expect(made).toHaveLength(1);
    expect(await unusedCodes(user.id)).toBe(10);
    // Each code of the one set shown works: none was replaced by a racing set.
    for (const code of made[0]!) expect(await consumeRecoveryCode(db, user.id, code)).toBe(true);
    // All used up: the next first enrolment makes a fresh set again.
    expect(await generateFirstRecoveryCodes(db, user.id)).toHaveLength(10);
    expect(await unusedCodes(user.id)).toBe(10);
  });

  it('a first passkey also comes with recovery codes', async () => {
    const user = await createUser();
    const browser = await signedIn(user.email);
    const html = await (await browser.fetch('/account')).text();
    const res = await browser.fetch('/account/passkeys', form({ csrf: hiddenFields(html).csrf!, response: await new SoftAuthenticator(ORIGIN).register(pageOptions<CreationOptions>(html)), name: 'Key' }));
    expect(res.headers.get('location')).toBe('/account/recovery-codes');
    const page = await (await browser.fetch('/account/recovery-codes')).text();
    expect(codesOf(page)).toHaveLength(10);
    expect(page).toContain('The passkey was added.');
    expect(page).toContain('href="/account?done=passkey"');
  });

  it('the forced enrolment of a sign-in shows the codes, then continues to the app', async () => {
    const app = await createApp({ mfa: 'required' });
    const user = await createUser();
    const browser = new Browser();
    const sso = `/sso/jwt/${app.client_id}?redirect_uri=${encodeURIComponent('https://app.example.com/callback')}&state=s1`;
    const login = await browser.fetch((await browser.fetch(sso)).headers.get('location')!);
    const next = (await browser.submitLogin(await login.text(), user.email, PASSWORD)).headers.get('location')!;
    const flow = new URL(next, ORIGIN).searchParams.get('flow')!;
    const { res } = await enrolTotp(browser, flow);
    expect(res.headers.get('location')).toBe('/account/recovery-codes');
    const page = await (await browser.fetch('/account/recovery-codes')).text();
    expect(codesOf(page)).toHaveLength(10);
    const onward = /<a class="button" href="([^"]+)">/.exec(page)![1]!.replace(/&amp;/g, '&');
    expect(onward.startsWith(`/sso/jwt/${app.client_id}?`)).toBe(true);
    const { params } = await delivered(await browser.fetch(onward));
    expect(decodeJwt(params.id_token!).amr).toEqual(['pwd', 'otp', 'mfa']);
  });
});

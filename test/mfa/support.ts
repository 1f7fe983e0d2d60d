// Helpers for the MFA tests: a signed-in browser, TOTP enrolment through the Account page.
import { expect } from 'vitest';
import { base32Decode, totpAt } from '../../src/mfa/totp';
import { Browser, createUser, hiddenFields, ORIGIN, PASSWORD } from '../helpers';
import { pageOptions, SoftAuthenticator, type CreationOptions } from './authenticator';

export const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
  body: new URLSearchParams(fields),
});

export async function signedIn(email: string): Promise<Browser> {
  const browser = new Browser();
  const page = await browser.fetch('/login');
  const res = await browser.submitLogin(await page.text(), email, PASSWORD);
  expect(res.status).toBe(303);
  return browser;
}

/** The code an authenticator app shows `offsetSteps` steps from now. */
export async function codeFor(secret: string, offsetSteps = 0): Promise<string> {
  return totpAt(base32Decode(secret)!, Math.floor(Date.now() / 1000) + offsetSteps * 30);
}

/** Enrols an authenticator app from the Account page as a person would; returns its secret. */
export async function enrolTotp(browser: Browser, flow?: string): Promise<{ secret: string; res: Response }> {
  const page = await browser.fetch(flow ? `/account?flow=${flow}` : '/account');
  expect(page.status).toBe(200);
  const html = await page.text();
  const secret = /<code id="totp-secret">([A-Z2-7]+)<\/code>/.exec(html)![1]!;
  expect(html).toContain('<svg');
  expect(html).toContain('otpauth://totp/');
  const csrf = hiddenFields(html).csrf!;
  const res = await browser.fetch('/account/totp', form({ csrf, code: await codeFor(secret), ...(flow ? { flow } : {}) }));
  return { secret, res };
}

/** Posts the second-factor form found on `/login/mfa…`. */
export async function submitSecondFactor(browser: Browser, location: string, code: string): Promise<Response> {
  const page = await browser.fetch(location);
  expect(page.status).toBe(200);
  return browser.fetch('/login/mfa', form({ ...hiddenFields(await page.text()), code }));
}

/** Gives the live session of `browser` its second factor again (a step-up with the app's next code), as a security change needs. */
export async function stepUpWithCode(browser: Browser, secret: string, offsetSteps = 1): Promise<void> {
  const res = await submitSecondFactor(browser, '/login/mfa', await codeFor(secret, offsetSteps));
  expect(res.status).toBe(303);
}

/**
 * The step a first factor leads to: `res` sends the browser to the recovery codes, shown once
 * (ten of them), whose "I have saved them" goes on to `next` (when given). Returns the codes and where that link goes.
 */
export async function throughRecoveryCodes(browser: { fetch(path: string): Promise<Response> }, res: Response, next?: string): Promise<{ codes: string[]; onward: string }> {
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/account/recovery-codes');
  const page = await (await browser.fetch('/account/recovery-codes')).text();
  const codes = [...page.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]!);
  expect(codes).toHaveLength(10);
  const onward = /<a class="button" href="([^"]+)">/.exec(page)?.[1]?.replace(/&amp;/g, '&') ?? '';
  if (next !== undefined) expect(onward).toBe(next);
  return { codes, onward };
}

/** A new user with a passkey registered from the Account page (through the recovery codes shown once). */
export async function userWithPasskey(counting = true) {
  const user = await createUser();
  const browser = await signedIn(user.email);
  const page = await browser.fetch('/account');
  const html = await page.text();
  const options = pageOptions<CreationOptions>(html);
  expect(options.rp.id).toBe(new URL(ORIGIN).hostname);
  const authenticator = new SoftAuthenticator(ORIGIN, counting);
  const res = await browser.fetch('/account/passkeys', form({ csrf: hiddenFields(html).csrf!, response: await authenticator.register(options), name: 'Test key' }));
  await throughRecoveryCodes(browser, res, '/account?done=passkey');
  return { user, authenticator, browser };
}

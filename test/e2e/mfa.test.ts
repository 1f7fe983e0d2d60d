// Multi-factor sign-in in headless Chromium against `wrangler dev`: an authenticator app enrolled
// from the Account page (the test computes codes from the secret shown, with its own RFC 6238
// code), a passkey registered and used to sign in without a password through Chrome's virtual
// authenticator (CDP WebAuthn domain), an app that requires MFA forcing enrolment, and a
// password-only session from an `mfa: "off"` app stepped up (code, not password) by the next app.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from './totp';
import { arriveAt, describePage, launchChromium, newPage, ROOT, startLocalWorker, startStubApp, stopAll, withDiagnostics, type LocalWorker, type StubApp } from './support';

const AXE = join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');

const run = randomBytes(4).toString('hex');
const password = randomBytes(12).toString('base64url');
const TOTP_USER = { email: `totp-${run}@example.com`, password, name: 'Tess Otp' };
const PASSKEY_USER = { email: `passkey-${run}@example.com`, password, name: 'Pat Key' };
const ENROL_USER = { email: `enrol-${run}@example.com`, password, name: 'Eno Rol' };
const ACROSS_USER = { email: `across-${run}@example.com`, password, name: 'Ace Ross' };

function claimsOf(url: string): Record<string, unknown> {
  const token = new URL(url).searchParams.get('id_token')!;
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
}

describe('multi-factor sign-in in a real browser', () => {
  let worker: LocalWorker;
  let browser: Browser;
  let stub: StubApp;
  let clientId: string;
  let strictClientId: string;
  let offClientId: string;
  let setupError: unknown;
  /** ENROL_USER's authenticator secret, once the third test has enrolled it. */
  let enrolledSecret = '';
  const pages: Awaited<ReturnType<typeof newPage>>[] = [];

  const at = (path: string) => `${worker.url}${path}`;
  const isPath = (path: string) => (url: URL) => url.origin === worker.url && url.pathname === path;
  const atApp = (url: URL) => url.origin === stub.url && url.pathname === '/cb';
  const sso = (id: string) => at(`/sso/jwt/${id}?redirect_uri=${encodeURIComponent(`${stub.url}/cb`)}&state=s-${run}`);

  async function step(page: Page, fn: () => Promise<void>): Promise<void> {
    if (setupError) throw setupError;
    await withDiagnostics(fn, { sources: () => [worker, stub] }).catch(async (error: Error) => {
      error.message = `${error.message}\n--- browser page now ---\n${await describePage(page)}`;
      throw error;
    });
  }

  async function typePassword(page: Page, user: { email: string; password: string }, target: (url: URL) => boolean) {
    await page.getByLabel('Email', { exact: true }).fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await arriveAt(page, target, () => page.getByRole('button', { name: 'Sign in' }).click());
  }

  beforeAll(async () => {
    try {
      browser = await launchChromium();
      worker = await startLocalWorker();
      stub = await startStubApp({ body: 'app home' });
      for (const user of [TOTP_USER, PASSKEY_USER, ENROL_USER, ACROSS_USER]) await worker.api('POST', '/users', user);
      clientId = (await worker.api('POST', '/apps', { name: `MFA App ${run}`, redirect_urls: [`${stub.url}/cb`] })).client_id;
      offClientId = (await worker.api('POST', '/apps', { name: `Canteen ${run}`, redirect_urls: [`${stub.url}/cb`], mfa: 'off' })).client_id;
      strictClientId = (await worker.api('POST', '/apps', { name: `Payroll ${run}`, redirect_urls: [`${stub.url}/cb`], mfa: 'required' })).client_id;
    } catch (error) {
      setupError = error;
    }
  });

  afterAll(async () => {
    for (const p of pages) await p.close();
    await stopAll();
  });

  it('enrols an authenticator app from the Account page, then signs in with password and code', async () => {
    const person = await newPage(browser);
    pages.push(person);
    const { page } = person;
    await step(page, async () => {
      await arriveAt(page, isPath('/login'), () => page.goto(at('/login')));
      await typePassword(page, TOTP_USER, isPath('/my-apps'));
      await arriveAt(page, isPath('/account'), () => page.getByRole('link', { name: 'Account and security' }).click());
      expect(await page.locator('.qr svg').count()).toBe(1);
      const secret = (await page.locator('#totp-secret').innerText()).trim();
      const otpauth = (await page.getByRole('link', { name: 'Open in an authenticator or password manager' }).getAttribute('href'))!;
      expect(otpauth).toContain(`secret=${secret}`);
      // The entry is named after the product (the branding's name), not the host and port.
      expect(otpauth).toMatch(/^otpauth:\/\/totp\/edge-sso:/);
      expect(otpauth).toContain('issuer=edge-sso');
      expect(otpauth).not.toContain('localhost');
      await page.getByLabel('Code from the app').fill(totp(secret));
      // A first factor comes with recovery codes, shown once right away, to download or copy.
      await arriveAt(page, isPath('/account/recovery-codes'), () => page.getByRole('button', { name: 'Turn on' }).click());
      expect(await page.getByRole('status').first().innerText()).toContain('The authenticator app is on');
      expect(await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').count()).toBe(10);
      expect(await page.getByRole('link', { name: 'Download' }).getAttribute('download')).toBe('edge-sso-recovery-codes.txt');
      await page.screenshot({ path: join(ROOT, 'test-results', 'recovery-codes-1280.png'), fullPage: true });
      await arriveAt(page, isPath('/account'), () => page.getByRole('link', { name: 'I have saved them' }).click());

      await page.context().clearCookies();
      await arriveAt(page, isPath('/login'), () => page.goto(sso(clientId)));
      await typePassword(page, TOTP_USER, isPath('/login/mfa'));
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe("Confirm it's you");
      await page.getByLabel('Code from your authenticator app, or a recovery code').fill(totp(secret, 1));
      await arriveAt(page, atApp, () => page.getByRole('button', { name: 'Continue' }).click());
      const claims = claimsOf(page.url());
      expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
      expect(claims.acr).toBe('urn:edge-sso:mfa');
    });
  });

  it('a password-only session from an "off" app is asked for the code, not the password, by an app under the global policy', async () => {
    const person = await newPage(browser);
    pages.push(person);
    const { page } = person;
    await step(page, async () => {
      await arriveAt(page, isPath('/login'), () => page.goto(at('/login')));
      await typePassword(page, ACROSS_USER, isPath('/my-apps'));
      await arriveAt(page, isPath('/account'), () => page.goto(at('/account')));
      const secret = (await page.locator('#totp-secret').innerText()).trim();
      await page.getByLabel('Code from the app').fill(totp(secret));
      await arriveAt(page, isPath('/account/recovery-codes'), () => page.getByRole('button', { name: 'Turn on' }).click());

      // A fresh browser signs in with the password alone through the off app: fine for that app.
      await page.context().clearCookies();
      await arriveAt(page, isPath('/login'), () => page.goto(sso(offClientId)));
      await typePassword(page, ACROSS_USER, atApp);
      expect(claimsOf(page.url()).amr).toEqual(['pwd']);
      // The next app follows the global policy (optional): the same session is asked for the code.
      await arriveAt(page, isPath('/login/mfa'), () => page.goto(sso(clientId)));
      expect(await page.getByLabel('Password', { exact: true }).count(), 'no password asked again').toBe(0);
      await page.getByLabel('Code from your authenticator app, or a recovery code').fill(totp(secret, 1));
      await arriveAt(page, atApp, () => page.getByRole('button', { name: 'Continue' }).click());
      const claims = claimsOf(page.url());
      expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
      expect(claims.acr).toBe('urn:edge-sso:mfa');
    });
  });

  it("registers a passkey with Chrome's virtual authenticator and signs in with it, no password", async () => {
    const person = await newPage(browser);
    pages.push(person);
    const { page, context } = person;
    await step(page, async () => {
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
      });
      await arriveAt(page, isPath('/login'), () => page.goto(at('/login')));
      await typePassword(page, PASSKEY_USER, isPath('/my-apps'));
      await arriveAt(page, isPath('/account'), () => page.goto(at('/account')));
      await page.getByLabel('Name for the new passkey').fill('Virtual key');
      await arriveAt(page, isPath('/account/recovery-codes'), () => page.getByRole('button', { name: 'Add a passkey' }).click());
      expect(await page.getByRole('status').first().innerText()).toContain('The passkey was added');
      await arriveAt(page, (u) => isPath('/account')(u) && u.search === '?done=passkey', () => page.getByRole('link', { name: 'I have saved them' }).click());
      expect(await page.locator('main').innerText()).toContain('Virtual key');
      // A discoverable credential for this host, held by the virtual authenticator.
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      expect(credentials.map((c) => [c.rpId, c.isResidentCredential])).toEqual([['localhost', true]]);

      await context.clearCookies();
      await arriveAt(page, isPath('/login'), () => page.goto(sso(clientId)));
      await arriveAt(page, isPath('/login/passkey'), () => page.getByRole('link', { name: 'Sign in with a passkey' }).click());
      await arriveAt(page, atApp, () => page.getByRole('button', { name: 'Sign in with a passkey' }).click());
      const claims = claimsOf(page.url());
      expect(claims.amr).toEqual(['hwk', 'mfa']);
      expect(claims.acr).toBe('urn:edge-sso:mfa');
    });
  });

  it('an app that requires MFA makes a user without a factor enrol before it gets a token', async () => {
    const person = await newPage(browser);
    pages.push(person);
    const { page } = person;
    await step(page, async () => {
      const before = stub.requests.length;
      await arriveAt(page, isPath('/login'), () => page.goto(sso(strictClientId)));
      await typePassword(page, ENROL_USER, isPath('/account'));
      expect(await page.getByRole('alert').first().innerText()).toContain('Your administrator requires a second factor');
      // Opening the app again still yields no token: it asks for the second factor, which leads back here.
      await arriveAt(page, isPath('/account'), () => page.goto(sso(strictClientId)));
      expect(stub.requests.length, 'the app received nothing before enrolment').toBe(before);
      const secret = (await page.locator('#totp-secret').innerText()).trim();
      enrolledSecret = secret;
      await page.getByLabel('Code from the app').fill(totp(secret));
      // The codes first (at a phone's width here), then on to the app.
      await page.setViewportSize({ width: 390, height: 844 });
      await arriveAt(page, isPath('/account/recovery-codes'), () => page.getByRole('button', { name: 'Turn on' }).click());
      expect(await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').count()).toBe(10);
      await page.screenshot({ path: join(ROOT, 'test-results', 'recovery-codes-390.png'), fullPage: true });
      expect(stub.requests.length, 'the app received nothing before the codes were shown').toBe(before);
      await arriveAt(page, atApp, () => page.getByRole('link', { name: 'I have saved them' }).click());
      const claims = claimsOf(page.url());
      expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    });
  });

  it('the second-factor page and the Account page have no serious accessibility violations (axe-core)', async () => {
    // CSP bypassed only so the audit script can be added to the page.
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    pages.push({ context, page, close: () => context.close() } as Awaited<ReturnType<typeof newPage>>);
    await step(page, async () => {
      expect(enrolledSecret, 'the enrolment test ran first').not.toBe('');
      const audit = async () => {
        await page.addScriptTag({ path: AXE });
        const violations = await page.evaluate(async () => {
          const axe = (window as unknown as { axe: { run: (d: Document, o: object) => Promise<{ violations: { id: string; impact: string | null }[] }> } }).axe;
          return (await axe.run(document, { resultTypes: ['violations'] })).violations;
        });
        return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
      };
      await arriveAt(page, isPath('/login'), () => page.goto(at('/login')));
      await typePassword(page, ENROL_USER, isPath('/login/mfa'));
      expect(await audit()).toEqual([]);
      await page.getByLabel('Code from your authenticator app, or a recovery code').fill(totp(enrolledSecret, 1));
      await arriveAt(page, isPath('/my-apps'), () => page.getByRole('button', { name: 'Continue' }).click());
      await arriveAt(page, isPath('/account'), () => page.goto(at('/account')));
      expect(await audit()).toEqual([]);
    });
  });
});

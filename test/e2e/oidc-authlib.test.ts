// Interop: Authlib's Flask client (Debian python3-authlib), as used by examples/flask-oidc, signs
// a user in through a real `wrangler dev` worker in headless Chromium; edge-sso's back-channel
// logout reaches it when an admin signs the user out everywhere; and RP-initiated logout returns
// to the app signed out.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAtLoginPage, startFlaskOidc, testUser, type FlaskOidcApp } from './oidc-support';
import { arriveAt, describePage, freePort, launchChromium, newPage, startLocalWorker, stopAll, withDiagnostics, type LocalWorker, type PageRecorder } from './support';

const USER = testUser();

interface CreatedApp {
  client_id: string;
  client_secret?: string;
  name: string;
}

describe('Authlib (Flask) signs in with edge-sso over OpenID Connect', () => {
  let worker: LocalWorker;
  let browser: Browser;
  let userId: string;
  let setupError: unknown;

  beforeAll(async () => {
    try {
      browser = await launchChromium();
      worker = await startLocalWorker();
      userId = (await worker.api<{ id: string }>('POST', '/users', USER)).id;
    } catch (error) {
      setupError = error;
    }
  });

  afterAll(async () => {
    await stopAll();
  });

  for (const alg of ['ES256', 'HS256'] as const) {
    it(`${alg} app, client_secret_basic: /profile after sign-in, back-channel logout, RP-initiated logout`, async () => {
      if (setupError) throw setupError;
      let flask: FlaskOidcApp | undefined;
      let page: Page | undefined;
      let recorder: PageRecorder | undefined;
      let closePage: (() => Promise<void>) | undefined;
      try {
        await withDiagnostics(
          async () => {
            const port = await freePort();
            const appUrl = `http://localhost:${port}`;
            const app = await worker.api<CreatedApp>('POST', '/apps', {
              name: `Authlib RP ${alg}`,
              signing_alg: alg,
              redirect_urls: [`${appUrl}/callback`],
              logout_urls: [`${appUrl}/`],
              token_endpoint_auth_method: 'client_secret_basic',
              backchannel_logout_uri: `${appUrl}/backchannel-logout`,
            });
            flask = await startFlaskOidc({ issuer: worker.url, clientId: app.client_id, clientSecret: app.client_secret, port });
            ({ page, recorder, close: closePage } = await newPage(browser));
            const loginPage = (url: URL) => url.origin === worker.url && url.pathname === '/login';

            // 1. The protected page goes through /login → edge-sso's authorize endpoint → its login page.
            await arriveAt(page, loginPage, () => page!.goto(`${appUrl}/profile`));
            expect(recorder!.urls.some((u) => u.startsWith(`${worker.url}/oauth2/authorize?`)), 'Authlib used the discovered authorization endpoint').toBe(true);
            const authorize = new URL(recorder!.urls.find((u) => u.startsWith(`${worker.url}/oauth2/authorize?`))!);
            expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
            expect(authorize.searchParams.get('nonce')).toBeTruthy();

            // 2. Sign in: back at /callback (code, state, iss), then /profile with the user's email from userinfo.
            await signInAtLoginPage(page, worker.url, USER, `${appUrl}/profile`);
            const callback = new URL(recorder!.urls.find((u) => u.startsWith(`${appUrl}/callback?`))!);
            expect(callback.searchParams.get('iss')).toBe(worker.url);
            expect(callback.searchParams.get('code')).toBeTruthy();
            expect(await page.locator('h1').innerText()).toBe('Profile');
            expect(await page.locator('#email').innerText()).toBe(USER.email);
            expect(await page.locator('#name').innerText()).toBe(USER.name);
            expect(await page.locator('#sub').innerText()).toBe(userId);
            expect(await page.locator('#groups li').allInnerTexts()).toEqual(USER.groups);

            // 3. An admin signs the user out everywhere: edge-sso POSTs a logout token, Authlib's
            //    JOSE verifies it against the JWKS, and the app's session ends.
            const { sessions_ended } = await worker.api<{ sessions_ended: number }>('DELETE', `/users/${userId}/sessions`);
            expect(sessions_ended).toBe(1);
            await expect
              .poll(() => flask!.output(), { timeout: 30_000, message: 'the Flask app received and accepted the logout token' })
              .toMatch(/POST \/backchannel-logout HTTP\/1\.1" 200/);
            await page.goto(`${appUrl}/`);
            expect(await page.locator('body').innerText()).toContain('You are not signed in.');
            const audit = await worker.api<{ events: { detail: Record<string, unknown> }[] }>('GET', `/audit?type=logout.backchannel&user=${userId}`);
            expect(audit.events.some((e) => e.detail.client_id === app.client_id && e.detail.status === 200)).toBe(true);

            // 4. Sign in again (the edge-sso session ended too, so the login page shows), then sign
            //    out from the app: RP-initiated logout returns to the app's home page, signed out.
            await arriveAt(page, loginPage, () => page!.goto(`${appUrl}/profile`));
            await signInAtLoginPage(page, worker.url, USER, `${appUrl}/profile`);
            await arriveAt(page, `${appUrl}/`, () => page!.getByRole('link', { name: 'Sign out' }).click());
            expect(recorder!.urls.some((u) => u.startsWith(`${worker.url}/oauth2/logout?`)), 'the sign-out went through the end_session_endpoint').toBe(true);
            expect(await page.locator('body').innerText()).toContain('You are not signed in.');

            // 5. Both sessions ended: the protected page asks for the password again.
            await arriveAt(page, loginPage, () => page!.goto(`${appUrl}/profile`));
            await expect.poll(() => page!.getByLabel('Password').count()).toBe(1);
          },
          { sources: () => [worker, ...(flask ? [flask] : [])], extra: () => ({ 'browser activity': recorder?.text() ?? '(no page yet)' }) },
        ).catch(async (error: Error) => {
          if (page) error.message = `${error.message}\n--- browser page now ---\n${await describePage(page)}`;
          throw error;
        });
      } finally {
        await closePage?.();
        await flask?.stop();
      }
    });
  }
});

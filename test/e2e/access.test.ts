// End to end in headless Chromium against `wrangler dev`: an app restricted to a group. A user
// outside it signs in through the app's SSO URL and is refused with the 403 page, which leads to
// My apps (where the app is not listed); the app receives nothing. A member gets the token.
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arriveAt, describePage, launchChromium, newPage, startLocalWorker, startStubApp, stopAll, withDiagnostics, type LocalWorker, type StubApp } from './support';

const run = randomBytes(4).toString('hex');
const PASSWORD = randomBytes(12).toString('base64url');
const GROUP = `payroll-${run}`;
const INTERN = { email: `intern-${run}@example.com`, password: PASSWORD, name: 'Ivy Intern', groups: ['interns'] };
const CLERK = { email: `clerk-${run}@example.com`, password: PASSWORD, name: 'Carl Clerk', groups: [GROUP] };
const APP_NAME = `Payroll ${run}`;

describe('access policies in a real browser', () => {
  let worker: LocalWorker;
  let browser: Browser;
  let stub: StubApp;
  let ssoUrl: string;
  let setupError: unknown;
  const pages: Awaited<ReturnType<typeof newPage>>[] = [];

  const isPath = (path: string) => (url: URL) => url.origin === worker.url && url.pathname === path;

  async function step(page: Page, fn: () => Promise<void>): Promise<void> {
    if (setupError) throw setupError;
    await withDiagnostics(fn, { sources: () => [worker, stub] }).catch(async (error: Error) => {
      error.message = `${error.message}\n--- browser page now ---\n${await describePage(page)}`;
      throw error;
    });
  }

  async function signInThroughSso(page: Page, user: { email: string; password: string }) {
    await arriveAt(page, isPath('/login'), () => page.goto(ssoUrl));
    await page.getByLabel('Email', { exact: true }).fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    const answer = page.waitForResponse((r) => r.request().isNavigationRequest() && new URL(r.url()).pathname.startsWith('/sso/jwt/'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    return answer;
  }

  beforeAll(async () => {
    try {
      browser = await launchChromium();
      worker = await startLocalWorker();
      stub = await startStubApp({ body: 'payroll home' });
      await worker.api('POST', '/users', INTERN);
      await worker.api('POST', '/users', CLERK);
      const app = await worker.api<{ sso_url: string }>('POST', '/apps', { name: APP_NAME, redirect_urls: [`${stub.url}/cb`], access: { groups: [GROUP] } });
      ssoUrl = app.sso_url;
      pages.push(await newPage(browser), await newPage(browser));
    } catch (error) {
      setupError = error;
    }
  });

  afterAll(async () => {
    for (const p of pages) await p.close();
    await stopAll();
  });

  it('refuses a user outside the app’s groups with the 403 page, which links to My apps; the app gets nothing', async () => {
    const { page } = pages[0]!;
    await step(page, async () => {
      const answer = await signInThroughSso(page, INTERN);
      expect(answer.status()).toBe(403);
      await page.waitForLoadState('domcontentloaded');
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('No access');
      expect(await page.locator('main').innerText()).toContain(`You don't have access to ${APP_NAME}. Ask your administrator.`);
      expect(stub.requests.filter((r) => r.includes('/cb')), 'no token reached the app').toEqual([]);

      await arriveAt(page, isPath('/my-apps'), () => page.getByRole('link', { name: 'Go to My apps' }).click());
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('My apps');
      expect(await page.getByRole('link', { name: APP_NAME }).count(), 'the app is not offered').toBe(0);
    });
  });

  it('lets a member of the group in: the app receives its token', async () => {
    const { page } = pages[1]!;
    await step(page, async () => {
      const arrived = arriveAt(page, (u) => u.origin === stub.url && u.pathname === '/cb');
      await signInThroughSso(page, CLERK);
      await arrived;
      expect(new URL(page.url()).searchParams.get('id_token')).toBeTruthy();
    });
  });
});

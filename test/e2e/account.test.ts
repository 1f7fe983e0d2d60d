// End to end in headless Chromium against `wrangler dev`: My apps after sign-in (standards mode,
// the app's link, the sign-out button), and logout CSRF: a link on another site to /sso/logout
// asks "Sign out?" instead of ending the session, and its button signs out.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arriveAt, describePage, freePort, launchChromium, newPage, startLocalWorker, startStubApp, stopAll, withDiagnostics, type LocalWorker, type StubApp } from './support';

const run = randomBytes(4).toString('hex');
const USER = { email: `myapps-${run}@example.com`, password: randomBytes(12).toString('base64url'), name: 'Mia Apps' };
const APP_NAME = `E2E Launch App ${run}`;

describe('My apps and sign-out in a real browser', () => {
  let worker: LocalWorker;
  let browser: Browser;
  let stub: StubApp;
  let attacker: { server: Server; url: string };
  let person: Awaited<ReturnType<typeof newPage>>;
  let setupError: unknown;

  const at = (path: string) => `${worker.url}${path}`;
  const isPath = (path: string) => (url: URL) => url.origin === worker.url && url.pathname === path;
  const heading = (page: Page) => page.getByRole('heading', { level: 1 });

  async function step(fn: () => Promise<void>): Promise<void> {
    if (setupError) throw setupError;
    await withDiagnostics(fn, { sources: () => [worker, stub] }).catch(async (error: Error) => {
      error.message = `${error.message}\n--- browser page now ---\n${await describePage(person.page)}`;
      throw error;
    });
  }

  async function signIn(page: Page) {
    await arriveAt(page, isPath('/login'), () => page.goto(at('/login')));
    await page.getByLabel('Email', { exact: true }).fill(USER.email);
    await page.getByLabel('Password', { exact: true }).fill(USER.password);
    await arriveAt(page, isPath('/my-apps'), () => page.getByRole('button', { name: 'Sign in' }).click());
  }

  beforeAll(async () => {
    try {
      browser = await launchChromium();
      worker = await startLocalWorker();
      stub = await startStubApp({ body: 'app home' });
      await worker.api('POST', '/users', USER);
      await worker.api('POST', '/apps', { name: APP_NAME, redirect_urls: [`${stub.url}/cb`] });
      // Another site: 127.0.0.1 is a different site from the worker's localhost, so Chromium
      // sends `Sec-Fetch-Site: cross-site` when its link is followed.
      const port = await freePort();
      const logoutLink = at('/sso/logout');
      const server = createServer((_, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<!doctype html><title>Elsewhere</title><a href="${logoutLink}">Win a prize</a>`);
      });
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      attacker = { server, url: `http://127.0.0.1:${port}/` };
      person = await newPage(browser);
    } catch (error) {
      setupError = error;
    }
  });

  afterAll(async () => {
    await person?.close();
    await new Promise((resolve) => (attacker ? attacker.server.close(resolve) : resolve(undefined)));
    await stopAll();
  });

  it('after sign-in lands on My apps, in standards mode, with a link that opens the app', () =>
    step(async () => {
      const { page } = person;
      await signIn(page);
      expect(await heading(page).innerText()).toBe('My apps');
      expect(await page.evaluate(() => document.compatMode)).toBe('CSS1Compat');
      expect(await page.locator('main').innerText()).toContain(`Signed in as ${USER.email}`);
      const link = page.getByRole('link', { name: APP_NAME });
      expect(await link.getAttribute('href')).toBe(`${stub.url}/`);
      expect(await page.getByRole('link', { name: 'Open the admin console' }).count(), 'not an admin').toBe(0);
      await arriveAt(page, (u) => u.origin === stub.url, () => link.click());
      expect(await page.locator('body').innerText()).toContain('app home');
    }));

  it('a link to /sso/logout on another site asks "Sign out?" and keeps the session', () =>
    step(async () => {
      const { page } = person;
      await arriveAt(page, (u) => u.href === attacker.url, () => page.goto(attacker.url));
      await arriveAt(page, isPath('/sso/logout'), () => page.getByRole('link', { name: 'Win a prize' }).click());
      expect(await heading(page).innerText()).toBe('Sign out?');
      expect(await page.evaluate(() => document.compatMode)).toBe('CSS1Compat');
      // Still signed in: My apps opens without the login page.
      await arriveAt(page, isPath('/my-apps'), () => page.getByRole('link', { name: 'Stay signed in' }).click());
      expect(await heading(page).innerText()).toBe('My apps');
    }));

  it('the confirmation button signs out', () =>
    step(async () => {
      const { page } = person;
      await arriveAt(page, (u) => u.href === attacker.url, () => page.goto(attacker.url));
      await arriveAt(page, isPath('/sso/logout'), () => page.getByRole('link', { name: 'Win a prize' }).click());
      await page.getByRole('button', { name: 'Sign out' }).click();
      await expect.poll(() => heading(page).innerText()).toBe('You are signed out');
      await arriveAt(page, isPath('/login'), () => page.goto(at('/my-apps')));
    }));

  it("My apps' own Sign out button signs out at once", () =>
    step(async () => {
      const { page } = person;
      await signIn(page);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await expect.poll(() => heading(page).innerText()).toBe('You are signed out');
      await arriveAt(page, isPath('/login'), () => page.goto(at('/my-apps')));
    }));
});

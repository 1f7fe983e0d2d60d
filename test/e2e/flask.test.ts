// End to end: the Flask demo (examples/flask) signs a user in with a real `wrangler dev` worker,
// driven by real headless Chromium, for each signing algorithm × response mode the kit supports.
//
// One worker (own D1/KV in a temp dir) and one user serve every case; each case registers its own
// app through the admin API, starts its own Flask process on a fresh port and uses a fresh
// browser context.
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  arriveAt,
  describePage,
  freePort,
  launchChromium,
  newPage,
  requirePythonDeps,
  startFlaskDemo,
  startLocalWorker,
  stopAll,
  withDiagnostics,
  type FlaskDemo,
  type LocalWorker,
  type PageRecorder,
} from './support';

type Alg = 'HS256' | 'ES256';
type Mode = 'query' | 'form_post';

const CASES: { alg: Alg; mode: Mode }[] = [
  { alg: 'HS256', mode: 'query' },
  { alg: 'HS256', mode: 'form_post' },
  { alg: 'ES256', mode: 'query' },
  { alg: 'ES256', mode: 'form_post' },
];

const USER = {
  email: `e2e-${randomBytes(4).toString('hex')}@example.com`,
  password: randomBytes(12).toString('base64url'),
  name: 'Erin Endtoend',
  given_name: 'Erin',
  family_name: 'Endtoend',
  groups: ['staff', 'e2e-testers'],
  email_verified: true,
};

interface CreatedApp {
  client_id: string;
  client_secret?: string;
  name: string;
  signing_alg: string;
  response_mode: string;
  redirect_urls: string[];
}

/** The header and claims of a compact JWS, without verifying it (the Flask kit does that). */
function decodeJwt(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [header, claims] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
  return { header, claims };
}

describe('Flask demo signs in through edge-sso in a real browser', () => {
  let worker: LocalWorker;
  let browser: Browser;
  // A setup failure (no Chromium, no Flask packages, the worker not starting) is rethrown by every
  // test, so each one is reported failed with the reason, never skipped.
  let setupError: unknown;

  beforeAll(async () => {
    try {
      browser = await launchChromium();
      requirePythonDeps();
      worker = await startLocalWorker();
      await withDiagnostics(async () => {
        const user = await worker.api('POST', '/users', USER);
        expect(user).toMatchObject({ email: USER.email, name: USER.name, groups: USER.groups });
      });
    } catch (error) {
      setupError = error;
    }
  });

  afterAll(async () => {
    await stopAll();
  });

  for (const { alg, mode } of CASES) {
    it(`${alg} app, ${mode} response mode: sign in, see the profile, sign out`, async () => {
      if (setupError) throw setupError;
      let flask: FlaskDemo | undefined;
      let page: Page | undefined;
      let recorder: PageRecorder | undefined;
      let closePage: (() => Promise<void>) | undefined;
      try {
        await withDiagnostics(
          async () => {
            const port = await freePort();
            const appUrl = `http://localhost:${port}`;
            const app = await worker.api<CreatedApp>('POST', '/apps', {
              name: `E2E Flask ${alg} ${mode}`,
              redirect_urls: [`${appUrl}/sso/callback`, `${appUrl}/`],
              signing_alg: alg,
              response_mode: mode,
            });
            expect(app).toMatchObject({ signing_alg: alg, response_mode: mode });
            if (alg === 'HS256') expect(app.client_secret, 'an HS256 app gets a client secret').toBeTruthy();

            flask = await startFlaskDemo({
              issuer: worker.url,
              clientId: app.client_id,
              clientSecret: alg === 'HS256' ? app.client_secret : undefined,
              algorithm: alg,
              port,
            });
            expect(flask.url).toBe(appUrl);

            ({ page, recorder, close: closePage } = await newPage(browser));
            const loginUrl = (url: URL) => url.origin === worker.url && url.pathname === '/login' && url.searchParams.has('flow');

            // 1. The protected page sends the browser to edge-sso's sign-in page for this app.
            await arriveAt(page, loginUrl, () => page!.goto(`${appUrl}/profile`));
            await expect.poll(() => page!.title()).toMatch(/^Sign in\b/);
            expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Sign in');
            expect(await page.locator('main').innerText()).toContain(`to continue to ${app.name}`);

            // 2. Sign in: the browser lands back on the protected page, which shows the user.
            await page.getByLabel('Email').fill(USER.email);
            await page.getByLabel('Password').fill(USER.password);
            await arriveAt(page, `${appUrl}/profile`, () => page!.getByRole('button', { name: 'Sign in' }).click());
            expect(await page.locator('h1').innerText()).toBe('Profile');
            expect(await page.locator('#email').innerText()).toContain(USER.email);
            expect(await page.locator('#name').innerText()).toBe(USER.name);
            expect(await page.locator('#groups li').allInnerTexts()).toEqual(USER.groups);

            // 3. How the token travelled: in the callback URL (query) or only in a POST body (form_post).
            const callback = `${appUrl}/sso/callback`;
            let token: string | undefined;
            if (mode === 'query') {
              const delivery = recorder!.urls.find((u) => u.startsWith(`${callback}?`) && new URL(u).searchParams.has('id_token'));
              expect(delivery, `the token arrived in the callback URL:\n${recorder!.text()}`).toBeDefined();
              token = new URL(delivery!).searchParams.get('id_token')!;
              expect(new URL(delivery!).searchParams.get('state'), 'the state came back with the token').toBeTruthy();
            } else {
              const withToken = recorder!.urls.filter((u) => u.includes('id_token='));
              expect(withToken, 'form_post: no URL the browser requested or navigated to carries the token').toEqual([]);
              const posts = recorder!.requests.filter((r) => r.method === 'POST' && r.url === callback);
              // Same-site (localhost:worker → localhost:app): the kit's re-POST step is skipped, and it runs at most once.
              expect(posts.length, `POSTs to the callback:\n${recorder!.text()}`).toBeGreaterThanOrEqual(1);
              expect(posts.length).toBeLessThanOrEqual(2);
              const body = new URLSearchParams(posts[0]!.postData ?? '');
              expect(body.get('state'), 'the state came back with the token').toBeTruthy();
              token = body.get('id_token') ?? undefined;
              expect(token, 'the token arrived in the POST body').toBeTruthy();
            }
            const { header, claims } = decodeJwt(token!);
            expect(header.alg).toBe(alg);
            if (alg === 'ES256') expect(header.kid).toBeTruthy();
            expect(claims).toMatchObject({ iss: worker.url, aud: app.client_id, email: USER.email });
            expect(page.url(), 'the kit redirected away from the callback').toBe(`${appUrl}/profile`);

            // 4. Sign out (Flask, then edge-sso), back on the app's home page, signed out.
            await arriveAt(page, `${appUrl}/`, () => page!.getByRole('link', { name: 'Sign out' }).first().click());
            expect(await page.locator('body').innerText()).toContain('You are not signed in.');
            expect(recorder!.urls.some((u) => u.startsWith(`${worker.url}/sso/logout?`)), 'the sign-out went through edge-sso').toBe(true);

            // 5. The protected page asks to sign in again: both the app and the IdP session ended.
            await arriveAt(page, loginUrl, () => page!.goto(`${appUrl}/profile`));
            expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Sign in');
            await expect.poll(() => page!.getByLabel('Password').count()).toBe(1);
          },
          {
            sources: () => [worker, ...(flask ? [flask] : [])],
            extra: () => ({
              'browser activity': recorder?.text() ?? '(no page yet)',
            }),
          },
        ).catch(async (error: Error) => {
          // Add where the browser actually is, which is what a failing step most needs.
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

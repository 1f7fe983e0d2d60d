// End to end: the admin console (/admin) driven by real headless Chromium against a real
// `wrangler dev` worker (own D1/KV in a temp dir), the way a person would use it: labels, roles
// and link names rather than CSS internals wherever the page offers them.
//
// The issue's walk-through, as ordered steps sharing state (each `it` is one step; a step that
// needs something an earlier step failed to produce says so instead of failing obscurely):
//   an admin signs in, adds an application through the form (a bad redirect URL first), reveals
//   and copies the secret, runs Test SSO and sees the decoded claims, creates a user, that user
//   signs in through the new app's SSO URL, the admin rotates a key, and the audit log shows each
//   of those events; a non-admin gets 403; a locked account is refused, then unlocked; deleting
//   the app asks for confirmation; and the console fits a 390 px wide phone screen.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { Browser, BrowserContext, Locator, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  arriveAt,
  describePage,
  freePort,
  launchChromium,
  newPage,
  ROOT,
  startLocalWorker,
  startStubApp,
  stopAll,
  withDiagnostics,
  type LocalWorker,
  type PageRecorder,
  type StubApp,
} from './support';

const run = randomBytes(4).toString('hex');
const ADMIN = { email: `admin-${run}@example.com`, password: randomBytes(12).toString('base64url'), name: 'Ada Admin' };
const USER = { email: `user-${run}@example.com`, password: randomBytes(12).toString('base64url'), name: 'Uma User', groups: ['staff', 'e2e-testers'] };
/** An address no account has: it must be locked out exactly like a real one. */
const GHOST = `nobody-${run}@example.com`;
const APP_NAME = `E2E Console App ${run}`;
const LOCKOUT_THRESHOLD = 3;
const INVALID_CREDENTIALS = 'The email or password is not correct.';
const MOBILE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 720 };
const SHOTS = join(ROOT, 'test-results');

/** The header and claims of a compact JWS, without verifying it. */
function decodeJwt(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [header, claims] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
  return { header, claims };
}

/** A value an earlier step should have produced: a clear error when it did not. */
function need<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`an earlier step failed: no ${what} (see the first failing step)`);
  return value;
}

/**
 * Clicks a submit button and waits for the POST's answer and the page it leads to. For forms that
 * answer with an error page (401, 429, 400): `arriveAt` treats those as failures, and the URL
 * may not change, so waiting for a URL would not tell the old page from the new one.
 */
async function submit(page: Page, button: Locator, path: string): Promise<Response> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === path && r.request().frame() === page.mainFrame()),
    page.waitForEvent('domcontentloaded'),
    button.click(),
  ]);
  return response;
}

interface AuditRow {
  type: string;
  actor: string;
  target: string;
  detail: string;
}

/** The rows of the audit table on the current page (none when it says "No events match."). */
function auditRows(page: Page): Promise<AuditRow[]> {
  return page.locator('#audit tbody tr').evaluateAll((rows) =>
    rows.map((tr) => {
      const cells = [...(tr as HTMLTableRowElement).cells].map((td) => (td.textContent ?? '').trim());
      return { type: cells[1] ?? '', actor: cells[2] ?? '', target: cells[3] ?? '', detail: cells[5] ?? '' };
    }),
  );
}

describe('admin console in a real browser', () => {
  let worker: LocalWorker;
  let browser: Browser;
  let setupError: unknown;

  // The admin's browser, kept signed in for every step.
  let admin: { context: BrowserContext; page: Page; recorder: PageRecorder; close(): Promise<void> };
  // The end user's browser (signs in through the app's SSO URL).
  let enduser: { context: BrowserContext; page: Page; recorder: PageRecorder; close(): Promise<void> } | undefined;

  // The application's address: a stub server that answers "app" (see startStubApp for why not page.route).
  let stub: StubApp;
  let appPort: number;
  let otherPort: number;
  let appUrl: string;
  let redirectUrls: string[];

  // Produced by the steps.
  let clientId: string | undefined;
  let clientSecret: string | undefined;
  let userId: string | undefined;
  let userToken: string | undefined;
  let oldKid: string | undefined;
  let newKid: string | undefined;

  const pages = () => ({
    'admin browser': admin?.recorder.text() ?? '(none)',
    'end-user browser': enduser?.recorder.text() ?? '(none)',
  });

  /** One step: fails with the worker's output, the browsers' activity and where the page is. */
  async function step(page: () => Page | undefined, fn: () => Promise<void>): Promise<void> {
    if (setupError) throw setupError;
    await withDiagnostics(fn, { sources: () => [worker, ...(stub ? [stub] : [])], extra: pages }).catch(async (error: Error) => {
      const p = page();
      if (p) error.message = `${error.message}\n--- browser page now ---\n${await describePage(p)}`;
      throw error;
    });
  }

  const at = (path: string) => `${worker.url}${path}`;
  const isPath = (path: string) => (url: URL) => url.origin === worker.url && url.pathname === path;
  const notice = (page: Page) => page.getByRole('status');
  const heading = (page: Page) => page.getByRole('heading', { level: 1 });
  const ssoUrl = () => `${worker.url}/sso/jwt/${encodeURIComponent(need(clientId, 'client ID'))}?${new URLSearchParams({ redirect_uri: redirectUrls[0]!, state: 'e2e' })}`;

  /** Re-opens the audit log (bounded: audit rows are written after the response) until `ready` holds. */
  async function auditUntil(page: Page, query: string, ready: (rows: AuditRow[]) => boolean): Promise<AuditRow[]> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      await arriveAt(page, isPath('/admin/audit'), () => page.goto(at(`/admin/audit${query}`)));
      const rows = await auditRows(page);
      if (ready(rows) || Date.now() > deadline) return rows;
      await page.waitForTimeout(300);
    }
  }

  /** Signs in on the login page the browser is on. */
  async function signIn(page: Page, email: string, password: string) {
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    return page.getByRole('button', { name: 'Sign in' });
  }

  beforeAll(async () => {
    try {
      browser = await launchChromium();
      // Rotated keys sign at once here, so the walk-through sees the switch (test/tokens/activation.test.ts covers the delay).
      worker = await startLocalWorker({ vars: { LOCKOUT_THRESHOLD: String(LOCKOUT_THRESHOLD), KEY_ACTIVATION_DELAY_SECONDS: '0' } });
      // The first admin, the way `npm run cli -- create-admin` makes it: through the admin API.
      await withDiagnostics(async () => {
        const created = await worker.api('POST', '/users', { email: ADMIN.email, password: ADMIN.password, name: ADMIN.name, roles: ['admin'] });
        expect(created).toMatchObject({ email: ADMIN.email, roles: ['admin'] });
      });
      admin = await newPage(browser);
      stub = await startStubApp({ body: 'app' });
      appPort = stub.port;
      do otherPort = await freePort();
      while (otherPort === appPort);
      appUrl = stub.url;
      redirectUrls = [`${appUrl}/cb`, `${appUrl}/second`];
      mkdirSync(SHOTS, { recursive: true });
    } catch (error) {
      setupError = error;
    }
  });

  afterAll(async () => {
    await enduser?.close();
    await admin?.close();
    await stopAll();
  });

  it('an admin opens /admin, is sent to the login page, signs in and lands on Applications', () =>
    step(
      () => admin.page,
      async () => {
        const { page } = admin;
        await arriveAt(page, (u) => isPath('/login')(u) && u.searchParams.has('flow'), () => page.goto(at('/admin')));
        // The console's own sign-in page says so (an app's or the plain login page just says "Sign in").
        expect(await heading(page).innerText()).toBe('Sign in to the admin console');
        expect(await page.title()).toMatch(/^Sign in to the admin console · /);
        expect(await page.evaluate(() => document.compatMode), 'the login page renders in standards mode').toBe('CSS1Compat');
        // The console's home is the dashboard.
        await arriveAt(page, isPath('/admin'), async () => (await signIn(page, ADMIN.email, ADMIN.password)).click());
        expect(await heading(page).innerText()).toBe('Dashboard');
        expect(await page.evaluate(() => document.compatMode), 'the console renders in standards mode').toBe('CSS1Compat');
        expect(await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Dashboard' }).getAttribute('aria-current')).toBe('page');
        await arriveAt(page, isPath('/admin/apps'), () => page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Applications' }).click());
        expect(await heading(page).innerText()).toBe('Applications');
        expect(await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Applications' }).getAttribute('aria-current')).toBe('page');
        expect(await page.locator('header').innerText()).toContain(ADMIN.email);
      },
    ));

  it('the sidebar groups the sections by task beside the page, and collapses behind Menu on a phone', () =>
    step(
      () => admin.page,
      async () => {
        const { page } = admin;
        const nav = page.getByRole('navigation', { name: 'Sections' });
        const menu = page.locator('details.console-menu');
        // Wide screen: the headings and every link are visible with no toggle, left of the page.
        expect(await nav.locator('h2').allTextContents()).toEqual(['People', 'Sign-in', 'Settings']);
        expect(await nav.getByRole('link', { name: 'Audit log' }).isVisible()).toBe(true);
        expect(await menu.locator('summary').isVisible(), 'no Menu toggle on a wide screen').toBe(false);
        const sidebarBox = (await nav.boundingBox())!;
        const mainBox = (await page.locator('main').boundingBox())!;
        expect(sidebarBox.x + sidebarBox.width).toBeLessThanOrEqual(mainBox.x);
        await page.screenshot({ path: join(SHOTS, 'admin-nav-1280.png') });

        await page.setViewportSize(MOBILE);
        try {
          expect(await nav.getByRole('link', { name: 'Users' }).isVisible(), 'collapsed on a phone').toBe(false);
          expect(await menu.locator('summary').innerText()).toBe('Menu · Applications');
          await menu.locator('summary').click();
          await nav.getByRole('link', { name: 'Users' }).waitFor({ state: 'visible' });
          await page.screenshot({ path: join(SHOTS, 'admin-nav-390.png'), fullPage: true });
          expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(MOBILE.width + 1);
          await arriveAt(page, isPath('/admin/users'), () => nav.getByRole('link', { name: 'Users' }).click());
          // Collapsed again on the next page (so out of the accessibility tree until Menu opens it), Users marked current.
          const users = page.locator('.console-menu a[href="/admin/users"]');
          expect(await users.isVisible(), 'collapsed again on the next page').toBe(false);
          expect(await users.getAttribute('aria-current')).toBe('page');
        } finally {
          await page.setViewportSize(DESKTOP);
        }
      },
    ));

  it('every console section renders in standards mode (no quirks mode)', () =>
    step(
      () => admin.page,
      async () => {
        const { page } = admin;
        // Ends on Applications, where the next step starts.
        for (const path of ['/admin/apps/new', '/admin/users', '/admin/protection', '/admin/keys', '/admin/branding', '/admin/audit', '/admin/apps']) {
          await arriveAt(page, isPath(path), () => page.goto(at(path)));
          expect(await page.evaluate(() => document.compatMode), path).toBe('CSS1Compat');
        }
      },
    ));

  it('adds an application through the form: a bad redirect URL is shown next to its field, then fixed', () =>
    step(
      () => admin.page,
      async () => {
        const { page } = admin;
        await arriveAt(page, isPath('/admin/apps/new'), () => page.getByRole('link', { name: 'Add application' }).click());
        expect(await heading(page).innerText()).toBe('Add application');
        // Step one: the kind of app (a GET form, no script needed); then only that kind's fields.
        const kinds = page.getByRole('group', { name: 'What kind of application is it?' });
        expect(await kinds.getByRole('radio').count()).toBe(4);
        await page.screenshot({ path: join(SHOTS, 'admin-add-app-kind-1280.png'), fullPage: true });
        await kinds.getByLabel('JWT SSO (Flask and similar)').check();
        await arriveAt(page, (u) => isPath('/admin/apps/new')(u) && u.searchParams.get('type') === 'jwt_sso', () => page.getByRole('button', { name: 'Continue' }).click());
        expect(await heading(page).innerText()).toBe('Add application: JWT SSO (Flask and similar)');
        expect(await page.getByLabel('Token endpoint authentication').count(), 'no OIDC fields for JWT SSO').toBe(0);

        // 1. A plain-http, non-loopback redirect URL is refused, next to the field, keeping what was typed.
        await page.getByLabel('Name', { exact: true }).fill(APP_NAME);
        await page.getByLabel('Redirect URLs').fill(['http://example.com/cb', redirectUrls[0]].join('\n'));
        await page.getByLabel('Signing algorithm').selectOption('ES256');
        const refused = await submit(page, page.getByRole('button', { name: 'Create application' }), '/admin/apps/new');
        expect(refused.status()).toBe(400);
        expect(await page.getByRole('alert').innerText()).toContain('Please fix the field marked below.');
        const redirectField = page.locator('.field', { has: page.getByLabel('Redirect URLs') });
        const fieldError = redirectField.locator('.field-error');
        expect(await fieldError.innerText()).toContain('https');
        expect(await fieldError.innerText()).toContain('http://example.com/cb');
        expect(await page.getByLabel('Redirect URLs').getAttribute('aria-invalid')).toBe('true');
        expect(await page.locator('.field-error').count(), 'only the redirect URLs are in error').toBe(1);
        expect(await page.getByLabel('Name', { exact: true }).inputValue(), 'the typed name is kept').toBe(APP_NAME);
        expect(await page.getByLabel('Signing algorithm').inputValue(), 'the chosen algorithm is kept').toBe('ES256');

        // 2. Fixed: two loopback URLs, one per line. The app page opens; Reveal (a POST) shows the secret.
        await page.getByLabel('Redirect URLs').fill(redirectUrls.join('\n'));
        await arriveAt(
          page,
          (u) => u.origin === worker.url && u.pathname.startsWith('/admin/apps/') && u.searchParams.get('notice') === 'created',
          () => page.getByRole('button', { name: 'Create application' }).click(),
        );
        clientId = decodeURIComponent(new URL(page.url()).pathname.slice('/admin/apps/'.length));
        expect(clientId).toMatch(/^[A-Za-z0-9._-]{3,64}$/);
        expect(await heading(page).innerText()).toBe(APP_NAME);
        expect(await notice(page).innerText()).toContain('Application created. Reveal its client secret');
        expect(await page.locator('#client-id').innerText()).toBe(clientId);
        await arriveAt(page, (u) => u.pathname.endsWith('/reveal-secret'), () => page.getByRole('button', { name: 'Reveal' }).click());
        const secret = page.locator('#client-secret');
        await expect.poll(() => secret.isVisible()).toBe(true);
        clientSecret = (await secret.innerText()).trim();
        expect(clientSecret.length, 'a real secret is shown').toBeGreaterThanOrEqual(20);
        expect(clientSecret).not.toContain('•');
        const urls = await page.locator('ul.urls li').allInnerTexts();
        expect(urls).toEqual(redirectUrls);
        expect(await page.locator('main').innerText()).toContain('ES256');
        expect(await page.locator('#app-kind').innerText()).toBe('JWT SSO (Flask and similar)');
        expect(await page.locator('#flask-snippet').innerText()).toContain(`client_id=${JSON.stringify(clientId)}`);
        await page.screenshot({ path: join(SHOTS, 'admin-app-overview-1280.png'), fullPage: true });
      },
    ));

  it('hides the secret until Reveal is clicked, and Copy puts it on the clipboard', () =>
    step(
      () => admin.page,
      async () => {
        const { page, context } = admin;
        const id = need(clientId, 'client ID');
        const secret = need(clientSecret, 'client secret');
        const appPage = at(`/admin/apps/${encodeURIComponent(id)}`);

        await arriveAt(page, (u) => u.href === appPage, () => page.goto(appPage));
        expect(await page.locator('#client-secret').count(), 'no secret without Reveal').toBe(0);
        expect(await page.getByLabel('hidden').innerText()).toMatch(/^•{4,}$/);
        expect(await page.content(), 'the secret is nowhere in the page').not.toContain(secret);

        await arriveAt(page, (u) => u.pathname === `/admin/apps/${encodeURIComponent(id)}/reveal-secret`, () =>
          page.getByRole('button', { name: 'Reveal' }).click(),
        );
        expect(await page.locator('#client-secret').innerText()).toBe(secret);
        expect(await page.getByLabel('hidden').count()).toBe(0);

        // http://localhost is a secure context, so the Clipboard API is available once granted.
        await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: worker.url });
        const copy = page.getByRole('button', { name: 'Copy client secret' });
        expect(await copy.getAttribute('data-copy')).toBe(secret);
        await copy.click();
        await expect.poll(() => copy.innerText(), { timeout: 1200 }).toBe('Copied');
        expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
        // …and the label comes back.
        await expect.poll(() => copy.innerText(), { timeout: 4000 }).toBe('Copy');
      },
    ));

  it('Test SSO shows a valid ES256 token with the decoded claims, and explains a rejected redirect URL', () =>
    step(
      () => admin.page,
      async () => {
        const { page } = admin;
        const id = need(clientId, 'client ID');
        const testPath = `/admin/apps/${encodeURIComponent(id)}/test`;
        await arriveAt(page, isPath(testPath), () => page.getByRole('navigation', { name: 'Application' }).getByRole('link', { name: 'Test SSO' }).click());
        expect(await page.getByLabel('Redirect URL', { exact: true }).inputValue(), 'the first registered URL is the default').toBe(redirectUrls[0]);

        await arriveAt(page, isPath(testPath), () => page.getByRole('button', { name: 'Run Test SSO' }).click());
        await page.locator('#test-result, .alert').first().waitFor();
        expect(await page.locator('#test-result h2').innerText()).toBe(`What ${APP_NAME} would receive`);
        expect(await page.locator('#signature-check').innerText()).toContain('Valid ES256 signature');
        const claims = await page.locator('#claims').innerText();
        expect(claims).toContain(`"email": "${ADMIN.email}"`);
        expect(claims).toContain(`"aud": "${id}"`);
        expect(claims).toContain(`"iss": "${worker.url}"`);
        const parsed = JSON.parse(claims) as Record<string, unknown>;
        expect(parsed).toMatchObject({ email: ADMIN.email, aud: id, iss: worker.url, name: ADMIN.name });
        expect(await page.locator('#test-result').innerText()).toContain(`${redirectUrls[0]}?id_token=`);

        // A URL on another port is not registered: rejected, and the explanation names the port.
        const wrong = `http://localhost:${otherPort}/cb`;
        await page.getByLabel('Redirect URL', { exact: true }).fill(wrong);
        await page.getByRole('button', { name: 'Run Test SSO' }).click();
        await page.getByRole('heading', { name: 'Redirect URL rejected' }).waitFor();
        const rejected = page.locator('.card', { has: page.getByRole('heading', { name: 'Redirect URL rejected' }) });
        expect(await rejected.count()).toBe(1);
        expect(await rejected.getByRole('alert').innerText()).toContain(`${wrong} is not registered for this app`);
        const explanation = await rejected.innerText();
        expect(explanation).toContain(`port is "${otherPort}", registered "${appPort}"`);
        expect(explanation).toContain(`Closest registered URL: ${redirectUrls[0]}`);
        expect(await page.locator('#test-result').count(), 'no token for a rejected URL').toBe(0);
      },
    ));

  it('creates a user through the Add user form', () =>
    step(
      () => admin.page,
      async () => {
        const { page } = admin;
        await arriveAt(page, isPath('/admin/users'), () => page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Users' }).click());
        await arriveAt(page, isPath('/admin/users/new'), () => page.getByRole('link', { name: 'Add user' }).click());
        await page.getByLabel('Email', { exact: true }).fill(USER.email);
        await page.getByLabel('Full name').fill(USER.name);
        await page.getByLabel('Groups').fill(USER.groups.join('\n'));
        await page.getByLabel('Initial password').fill(USER.password);
        await arriveAt(
          page,
          (u) => u.origin === worker.url && /^\/admin\/users\/[^/]+$/.test(u.pathname) && u.pathname !== '/admin/users/new',
          () => page.getByRole('button', { name: 'Create user' }).click(),
        );
        userId = decodeURIComponent(new URL(page.url()).pathname.slice('/admin/users/'.length));
        expect(await heading(page).innerText()).toBe(USER.email);
        expect(await notice(page).innerText()).toBe('User created.');
        expect(await page.locator('main').innerText()).toContain(userId);
        expect(await page.getByLabel('Full name').inputValue()).toBe(USER.name);
        expect(await page.getByLabel('Groups').inputValue()).toBe(USER.groups.join('\n'));
        expect(await page.getByLabel('Admin: may use this console').isChecked()).toBe(false);

        await arriveAt(page, isPath('/admin/users'), () => page.getByRole('link', { name: 'Users', exact: true }).click());
        expect(await page.getByRole('link', { name: USER.email }).count()).toBe(1);
      },
    ));

  it("the new user signs in through the app's SSO URL and arrives at the registered URL with an ES256 id_token", () =>
    step(
      () => enduser?.page,
      async () => {
        const id = need(clientId, 'client ID');
        need(userId, 'user');
        enduser = await newPage(browser);
        const { page } = enduser;
        // The app's address is the stub server: Playwright's page.route/context.route cannot answer
        // it, because the browser only gets there by following edge-sso's 303 and Playwright does
        // not intercept the requests a redirect leads to.

        await arriveAt(page, (u) => isPath('/login')(u) && u.searchParams.has('flow'), () => page.goto(ssoUrl()));
        expect(await heading(page).innerText()).toBe('Sign in');
        expect(await page.locator('main').innerText()).toContain(`to continue to ${APP_NAME}`);

        await arriveAt(page, (u) => u.origin === appUrl && u.pathname === '/cb', async () => (await signIn(page, USER.email, USER.password)).click());
        const landed = new URL(page.url());
        expect(landed.origin + landed.pathname).toBe(redirectUrls[0]);
        expect(landed.searchParams.get('state')).toBe('e2e');
        userToken = need(landed.searchParams.get('id_token'), 'id_token in the redirect URL');
        expect(await page.locator('body').innerText()).toBe('app');
        expect(stub.requests.filter((r) => r.startsWith('GET /cb?')), 'the app received the token once').toHaveLength(1);

        const { header, claims } = decodeJwt(userToken);
        expect(header.alg).toBe('ES256');
        expect(header.kid).toBeTruthy();
        oldKid = header.kid as string;
        expect(claims).toMatchObject({ iss: worker.url, aud: id, sub: userId, email: USER.email, name: USER.name, groups: USER.groups });

        // And the signature verifies with the published JWKS.
        const jwks = (await (await fetch(at('/.well-known/jwks.json'))).json()) as { keys: { kid: string }[] };
        const { payload } = await jwtVerify(userToken, createLocalJWKSet(jwks as never), { issuer: worker.url, audience: id, algorithms: ['ES256'] });
        expect(payload.email).toBe(USER.email);
      },
    ));

  it('a signed-in user without the admin role gets 403 "Admins only" at /admin', () =>
    step(
      () => enduser?.page,
      async () => {
        const { page } = need(enduser, 'signed-in end user');
        const response = need(await page.goto(at('/admin')), 'response');
        expect(response.status()).toBe(403);
        expect(await heading(page).innerText()).toBe('Admins only');
        expect(await page.locator('main').innerText()).toContain(`You are signed in as ${USER.email}, which does not have the admin role.`);
        const apps = need(await page.goto(at('/admin/apps')), 'response');
        expect(apps.status()).toBe(403);
        expect(await page.locator('body').innerText()).not.toContain(APP_NAME);
      },
    ));

  it('rotates the ES256 key after confirming: the old key is retiring, a new one active, both in the JWKS', () =>
    step(
      () => admin.page,
      async () => {
        const { page } = admin;
        const previous = need(oldKid, 'kid of the signed-in user’s token');
        await arriveAt(page, isPath('/admin/keys'), () => page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Signing keys' }).click());
        const es256 = () => page.locator('.card', { has: page.getByRole('heading', { name: 'ES256', exact: true }) });
        const row = (kid: string) => es256().getByRole('row').filter({ hasText: kid });
        expect(await row(previous).innerText()).toContain('active');

        await arriveAt(page, isPath('/admin/keys/rotate/ES256'), () => es256().getByRole('link', { name: 'Rotate ES256 key' }).click());
        expect(await heading(page).innerText()).toBe('Rotate the ES256 signing key?');
        expect(await page.getByRole('link', { name: 'Cancel' }).getAttribute('href')).toBe('/admin/keys');
        await arriveAt(page, (u) => isPath('/admin/keys')(u) && u.searchParams.get('notice') === 'key_rotated', () =>
          page.getByRole('button', { name: 'Rotate ES256 key' }).click(),
        );
        expect(await notice(page).innerText()).toContain('A new signing key is active.');
        expect(await row(previous).innerText()).toContain('retiring');
        const activeRows = es256().getByRole('row').filter({ has: page.getByText('active', { exact: true }) });
        expect(await activeRows.count()).toBe(1);
        newKid = (await activeRows.locator('code').innerText()).trim();
        expect(newKid).not.toBe(previous);

        const jwks = (await (await fetch(at('/.well-known/jwks.json'))).json()) as { keys: { kid: string; alg: string }[] };
        const kids = jwks.keys.map((k) => k.kid);
        expect(kids).toContain(previous);
        expect(kids).toContain(newKid);
        // The user's token, signed with the old key, still verifies after the rotation.
        await jwtVerify(need(userToken, 'user token'), createLocalJWKSet(jwks as never), { issuer: worker.url, algorithms: ['ES256'] });
      },
    ));

  it('the audit log lists each of those events, and filters by type', () =>
    step(
      () => admin.page,
      async () => {
        const { page } = admin;
        const id = need(clientId, 'client ID');
        const kid = need(newKid, 'new kid');
        const wanted: [string, (r: AuditRow) => boolean][] = [
          ['app.create', (r) => r.type === 'app.create' && r.target === id && r.actor === ADMIN.email],
          ['app.secret.reveal', (r) => r.type === 'app.secret.reveal' && r.target === id && r.actor === ADMIN.email],
          ['app.test', (r) => r.type === 'app.test' && r.target === id && r.actor === ADMIN.email],
          ['user.create', (r) => r.type === 'user.create' && r.target === USER.email && r.actor === ADMIN.email],
          ['login.success (the user)', (r) => r.type === 'login.success' && r.target === USER.email],
          ['login.success (the admin)', (r) => r.type === 'login.success' && r.target === ADMIN.email],
          ['key.rotate', (r) => r.type === 'key.rotate' && r.target === kid && r.actor === ADMIN.email],
        ];
        const missing = (rows: AuditRow[]) => wanted.filter(([, match]) => !rows.some(match)).map(([name]) => name);
        const rows = await auditUntil(page, '', (r) => missing(r).length === 0);
        expect(missing(rows), `audit rows:\n${rows.map((r) => `${r.type} ${r.actor} -> ${r.target}`).join('\n')}`).toEqual([]);

        // Filter by type through the form.
        await page.getByLabel('Type').selectOption('key.rotate');
        await arriveAt(page, (u) => isPath('/admin/audit')(u) && u.searchParams.get('type') === 'key.rotate', () => page.getByRole('button', { name: 'Filter' }).click());
        const filtered = await auditRows(page);
        expect(filtered.length).toBeGreaterThanOrEqual(1);
        expect(filtered.map((r) => r.type)).toEqual(filtered.map(() => 'key.rotate'));
        expect(await page.getByLabel('Type').inputValue(), 'the filter stays selected').toBe('key.rotate');
      },
    ));

  it('an update is audited old → new per field, and the detail wraps inside its card at 1280 px', () =>
    step(
      () => admin.page,
      async () => {
        const { page } = admin;
        const id = need(clientId, 'client ID');
        // A long value without spaces is what pushed the detail column out of its card.
        const description = `A-description-without-any-space-${'x'.repeat(200)}`;
        await worker.api('PATCH', `/apps/${encodeURIComponent(id)}`, { token_ttl_seconds: 600, description });
        const rows = await auditUntil(page, '?type=app.update', (r) => r.some((e) => e.target === id));
        const detail = rows.find((r) => r.target === id)!.detail;
        expect(detail).toContain('token_ttl_seconds: 300 → 600');
        expect(detail).toContain(`description: (empty) → ${description}`);
        expect(page.viewportSize()?.width).toBe(DESKTOP.width);
        const card = page.getByRole('region', { name: 'Audit events' });
        const { scrollWidth, clientWidth } = await card.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
        expect(scrollWidth, 'the audit card scrolls sideways').toBeLessThanOrEqual(clientWidth);
        await worker.api('PATCH', `/apps/${encodeURIComponent(id)}`, { description: '' });
      },
    ));

  it('pages link a favicon that answers (no 404); the new-source form shows the redirect URI as the slug is typed; search and Add line up', () =>
    step(
      () => admin.page,
      async () => {
        const { page } = admin;
        await arriveAt(page, isPath('/admin/identity-sources/new'), () => page.goto(at('/admin/identity-sources/new?type=oidc')));
        const preview = page.locator('#callback-preview');
        // Before anything is typed: the slug the default name ("OpenID Connect") gives.
        expect(await preview.innerText()).toBe(`${worker.url}/federation/openid-connect/callback`);
        await page.getByLabel('Slug (optional)').fill('corp-idp');
        expect(await preview.innerText()).toBe(`${worker.url}/federation/corp-idp/callback`);
        await page.getByLabel('Slug (optional)').fill('');
        await page.getByLabel('Name', { exact: true }).fill('Acme Okta');
        expect(await preview.innerText()).toBe(`${worker.url}/federation/acme-okta/callback`);
        expect(await page.getByRole('link', { name: /edge-sso’s guide/ }).getAttribute('href')).toBe('/admin/docs/identity-providers#oidc');

        await arriveAt(page, isPath('/admin/users'), () => page.goto(at('/admin/users')));
        const search = need(await page.getByRole('searchbox').boundingBox(), 'search box');
        const add = need(await page.getByRole('link', { name: 'Add user' }).boundingBox(), 'Add user button');
        expect(Math.abs(search.y + search.height / 2 - (add.y + add.height / 2)), 'search box and Add user on one line').toBeLessThanOrEqual(2);

        // Headless Chromium does not fetch favicons itself: the page links it, and it answers.
        expect(await page.locator('head link[rel="icon"]').getAttribute('href')).toBe('/favicon.ico');
        const icon = await page.request.get(at('/favicon.ico'));
        expect(icon.status()).toBe(200);
        expect(icon.headers()['content-type']).toBe('image/svg+xml');
      },
    ));

  it(`locks an account after ${LOCKOUT_THRESHOLD} failures (real or not), then the admin unlocks it`, () => {
    let lock: Awaited<ReturnType<typeof newPage>> | undefined;
    return step(
      () => lock?.page ?? admin.page,
      async () => {
        need(userId, 'user');
        lock = await newPage(browser);
        const { page } = lock;

        /** Tries one sign-in from the plain login page; returns the status and the alert text. */
        const attempt = async (email: string, password: string) => {
          if (!isPath('/login')(new URL(page.url()))) await arriveAt(page, isPath('/login'), () => page.goto(at('/login')));
          const response = await submit(page, await signIn(page, email, password), '/login');
          const alert = page.getByRole('alert');
          return { status: response.status(), retryAfter: await response.headerValue('retry-after'), alert: (await alert.count()) ? await alert.innerText() : '' };
        };

        const lockedOut: Record<string, { status: number; alert: string; retryAfter: string | null }> = {};
        for (const email of [USER.email, GHOST]) {
          for (let i = 1; i <= LOCKOUT_THRESHOLD; i++) {
            const wrong = await attempt(email, `wrong-password-${i}`);
            expect(wrong, `${email}: failure ${i}`).toMatchObject({ status: 401, alert: INVALID_CREDENTIALS });
          }
          // Locked now: even the right password (for the real account) is refused.
          const fourth = await attempt(email, email === USER.email ? USER.password : 'any-password-at-all');
          expect(fourth.status, `${email}: attempt ${LOCKOUT_THRESHOLD + 1}`).toBe(429);
          expect(fourth.alert).toMatch(/^Too many failed sign-ins\. Try again in \d+ (seconds|minutes?)\.$/);
          expect(Number(fourth.retryAfter)).toBeGreaterThan(0);
          lockedOut[email] = fourth;
          expect(page.url(), 'still on the login page, not signed in').toContain('/login');
        }
        // No account-existence leak: the real and the unknown address are refused alike (the wait
        // may read "60 seconds" for one and "59 seconds" for the other, so only the sentence before it is compared).
        expect(lockedOut[GHOST]!.status).toBe(lockedOut[USER.email]!.status);
        const sentence = (text: string) => text.split('. Try again in ')[0];
        expect(sentence(lockedOut[GHOST]!.alert)).toBe(sentence(lockedOut[USER.email]!.alert));

        // The admin sees both locked addresses and unlocks the user's.
        const a = admin.page;
        await arriveAt(a, isPath('/admin/protection'), () => a.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Protection' }).click());
        expect(await a.locator('main').innerText()).toContain(`Every ${LOCKOUT_THRESHOLD} failed sign-ins`);
        const locked = a.getByRole('table');
        expect(await locked.getByRole('cell', { name: USER.email, exact: true }).count()).toBe(1);
        expect(await locked.getByRole('cell', { name: GHOST, exact: true }).count()).toBe(1);
        await arriveAt(a, (u) => isPath('/admin/protection')(u) && u.searchParams.get('notice') === 'unlocked', () =>
          a.getByRole('button', { name: `Unlock ${USER.email}` }).click(),
        );
        expect(await notice(a).innerText()).toBe('Account unlocked.');
        expect(await a.getByRole('cell', { name: USER.email, exact: true }).count(), 'the user is no longer listed').toBe(0);
        expect(await a.getByRole('cell', { name: GHOST, exact: true }).count(), 'the other lock stays').toBe(1);

        // The user can sign in again with the right password.
        await arriveAt(page, isPath('/login'), () => page.goto(at('/login')));
        const ok = await submit(page, await signIn(page, USER.email, USER.password), '/login');
        expect(ok.status()).toBe(303);
        await expect.poll(() => heading(page).innerText()).toBe('My apps');
        expect(await page.locator('main').innerText()).toContain(`Signed in as ${USER.email}`);

        // And the audit log tells the story.
        const story: [string, (r: AuditRow) => boolean][] = [
          ['login.failure', (r) => r.type === 'login.failure' && r.target === USER.email],
          ['login.failure (unknown address)', (r) => r.type === 'login.failure' && r.target === GHOST],
          ['login.lockout', (r) => r.type === 'login.lockout' && r.target === USER.email],
          ['login.lockout (unknown address)', (r) => r.type === 'login.lockout' && r.target === GHOST],
          ['login.locked', (r) => r.type === 'login.locked' && r.target === USER.email],
          ['lockout.unlock', (r) => r.type === 'lockout.unlock' && r.target === USER.email && r.actor === ADMIN.email],
        ];
        const missing = (rows: AuditRow[]) => story.filter(([, match]) => !rows.some(match)).map(([name]) => name);
        const rows = await auditUntil(a, '', (r) => missing(r).length === 0);
        expect(missing(rows), `audit rows:\n${rows.map((r) => `${r.type} ${r.actor} -> ${r.target}`).join('\n')}`).toEqual([]);
        expect(rows.filter((r) => r.type === 'login.failure' && r.target === USER.email).length).toBe(LOCKOUT_THRESHOLD);
      },
    ).finally(() => lock?.close());
  });

  it('fits a 390 px wide screen: no horizontal overflow on Users and the app page (screenshots in test-results/)', () =>
    step(
      () => admin.page,
      async () => {
        const { page } = admin;
        const id = need(clientId, 'client ID');
        await page.setViewportSize(MOBILE);
        try {
          const overflow = () => page.evaluate(() => document.documentElement.scrollWidth);
          await arriveAt(page, isPath('/admin/apps'), () => page.goto(at('/admin/apps')));
          await page.screenshot({ path: join(SHOTS, 'admin-apps-390.png'), fullPage: true });
          await arriveAt(page, isPath('/admin/apps/new'), () => page.goto(at('/admin/apps/new')));
          expect(await overflow(), '/admin/apps/new scrollWidth').toBeLessThanOrEqual(MOBILE.width + 1);
          await page.screenshot({ path: join(SHOTS, 'admin-add-app-kind-390.png'), fullPage: true });
          await arriveAt(page, isPath('/admin/users'), () => page.goto(at('/admin/users')));
          expect(await overflow(), '/admin/users scrollWidth').toBeLessThanOrEqual(MOBILE.width + 1);
          await arriveAt(page, isPath(`/admin/apps/${encodeURIComponent(id)}`), () => page.goto(at(`/admin/apps/${encodeURIComponent(id)}`)));
          await arriveAt(page, isPath(`/admin/apps/${encodeURIComponent(id)}/reveal-secret`), () => page.getByRole('button', { name: 'Reveal' }).click());
          expect(await overflow(), 'app page scrollWidth').toBeLessThanOrEqual(MOBILE.width + 1);

          const visitor = await newPage(browser);
          try {
            await visitor.page.setViewportSize(MOBILE);
            await arriveAt(visitor.page, isPath('/login'), () => visitor.page.goto(at('/login')));
            expect(await heading(visitor.page).innerText(), 'the plain login page is not the console’s').toBe('Sign in');
            await visitor.page.screenshot({ path: join(SHOTS, 'login-390.png'), fullPage: true });
          } finally {
            await visitor.close();
          }
        } finally {
          await page.setViewportSize(DESKTOP);
        }
      },
    ));

  it('deleting the application asks for confirmation; Cancel goes back; confirming deletes it and its SSO URL', () =>
    step(
      () => admin.page,
      async () => {
        const { page } = admin;
        const id = need(clientId, 'client ID');
        const base = `/admin/apps/${encodeURIComponent(id)}`;
        const sso = ssoUrl();
        await arriveAt(page, isPath('/admin/apps'), () => page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Applications' }).click());
        await arriveAt(page, isPath(base), () => page.getByRole('link', { name: APP_NAME }).click());

        await arriveAt(page, isPath(`${base}/delete`), () => page.getByRole('link', { name: 'Delete', exact: true }).click());
        expect(await heading(page).innerText()).toBe(`Delete ${APP_NAME}?`);
        expect(await page.getByRole('button', { name: 'Delete application' }).count()).toBe(1);
        await arriveAt(page, isPath(base), () => page.getByRole('link', { name: 'Cancel' }).click());
        expect(await heading(page).innerText(), 'Cancel went back, nothing deleted').toBe(APP_NAME);

        await arriveAt(page, isPath(`${base}/delete`), () => page.getByRole('link', { name: 'Delete', exact: true }).click());
        await arriveAt(page, (u) => isPath('/admin/apps')(u) && u.searchParams.get('notice') === 'deleted', () =>
          page.getByRole('button', { name: 'Delete application' }).click(),
        );
        expect(await notice(page).innerText()).toBe('Deleted.');
        expect(await page.getByRole('link', { name: APP_NAME }).count()).toBe(0);
        expect(await page.locator('main').innerText()).not.toContain(id);

        const visitor = enduser ?? (enduser = await newPage(browser));
        const response = need(await visitor.page.goto(sso), 'response');
        expect(response.status()).toBe(404);
        expect(await heading(visitor.page).innerText()).toBe('Unknown application');

        const rows = await auditUntil(page, '?type=app.delete', (r) => r.some((e) => e.target === id));
        expect(rows.some((r) => r.type === 'app.delete' && r.target === id && r.actor === ADMIN.email)).toBe(true);
      },
    ));
});

// Accessibility: axe-core (from npm) injected into real headless Chromium on the login page and
// the main console pages, with CSP bypassed only so the audit script can be added. No serious or
// critical violation may remain. The audit log must also stay readable on a 390 px phone, and long
// unbroken text (an app's description, name, redirect URL) must not make a page scroll sideways.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arriveAt, launchChromium, ROOT, startLocalWorker, stopAll, withDiagnostics, type LocalWorker } from './support';

const AXE = join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');
const run = randomBytes(4).toString('hex');
const ADMIN = { email: `a11y-admin-${run}@example.com`, password: randomBytes(12).toString('base64url'), name: 'Ada Admin' };

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** The axe-core violations of the page as it is now (or of the parts matching `include`), described for a failure message. */
async function violations(page: Page, include?: string[]): Promise<(Violation & { text: string })[]> {
  await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async (include) => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: object) => Promise<{ violations: Violation[] }> } }).axe;
    const result = await axe.run(include ? { include } : document, { resultTypes: ['violations'] });
    return result.violations;
  }, include);
  return found.map((v) => ({ ...v, text: `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}` }));
}

/** The serious and critical ones, described. */
async function seriousViolations(page: Page): Promise<string[]> {
  return (await violations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.text);
}

describe('accessibility (axe-core)', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let worker: LocalWorker;
  let clientId = '';
  let userId = '';
  const at = (path: string) => new URL(path, worker.url).href;

  beforeAll(async () => {
    browser = await launchChromium();
    worker = await startLocalWorker();
    await withDiagnostics(async () => {
      await worker.api('POST', '/users', { email: ADMIN.email, password: ADMIN.password, name: ADMIN.name, roles: ['admin'] });
      const user = await worker.api('POST', '/users', { email: `a11y-user-${run}@example.com`, password: 'a long enough password', name: 'Uma User', groups: ['staff'] });
      userId = user.id;
      const app = await worker.api('POST', '/apps', { name: 'A11y App', redirect_urls: ['http://localhost:5000/cb'] });
      clientId = app.client_id;
      await worker.api('POST', `/apps/${clientId}/secret`); // a rotation: the overview shows both secrets
      await worker.api('PATCH', `/users/${userId}`, { name: 'Uma Renamed' }); // an update in the audit log
    });
    context = await browser.newContext({ bypassCSP: true });
    context.setDefaultTimeout(20_000);
    page = await context.newPage();
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await stopAll();
  });

  it('the login page has no serious or critical violations', () =>
    withDiagnostics(async () => {
      await arriveAt(page, (u) => u.pathname === '/login', () => page.goto(at('/admin')));
      expect(await seriousViolations(page)).toEqual([]);
      await page.getByLabel('Email', { exact: true }).fill(ADMIN.email);
      await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
      await arriveAt(page, (u) => u.pathname === '/admin', () => page.getByRole('button', { name: 'Sign in' }).click());
    }));

  it.each([
    ['the dashboard', () => '/admin'],
    ['Applications', () => '/admin/apps'],
    ['an application', () => `/admin/apps/${clientId}`],
    ['Test SSO', () => `/admin/apps/${clientId}/test`],
    ['Users', () => '/admin/users'],
    ['a user', () => `/admin/users/${userId}`],
    ['Signing keys', () => '/admin/keys'],
    ['Audit log', () => '/admin/audit'],
    ['Onboarding', () => '/admin/onboarding'],
    ['Groups', () => '/admin/groups'],
    ['Provisioning', () => '/admin/provisioning'],
    ['Backup and move', () => '/admin/backup'],
    ['Forgot password (not the console)', () => '/password/forgot'],
    ['Change email (not the console)', () => '/account/email'],
  ])('the console page %s has no serious or critical violations', (_, path) =>
    withDiagnostics(async () => {
      await arriveAt(page, (u) => u.pathname === path(), () => page.goto(at(path())));
      const violations = await seriousViolations(page);
      expect(violations, violations.join('\n')).toEqual([]);
    }),
  );

  it('the sidebar and header have no violations of any impact, on a wide screen and with the phone menu open', () =>
    withDiagnostics(async () => {
      await arriveAt(page, (u) => u.pathname === '/admin/users', () => page.goto(at('/admin/users')));
      const wide = await violations(page, ['header', '.console-menu']);
      expect(wide.map((v) => v.text)).toEqual([]);
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        await page.locator('.console-menu summary').click();
        const phone = await violations(page, ['header', '.console-menu']);
        expect(phone.map((v) => v.text)).toEqual([]);
      } finally {
        await page.setViewportSize({ width: 1280, height: 720 });
      }
    }));

  it('the check finds a planted violation (so a clean result means something)', () =>
    withDiagnostics(async () => {
      await arriveAt(page, (u) => u.pathname === '/admin/keys', () => page.goto(at('/admin/keys')));
      await page.evaluate(() => document.querySelector('main')!.insertAdjacentHTML('beforeend', '<input type="text"><img src="/x.png">'));
      const found = await seriousViolations(page);
      expect(found.some((v) => v.includes(' label:'))).toBe(true);
      expect(found.some((v) => v.includes(' image-alt:'))).toBe(true);
    }));

  it('the audit log fits a 390 px phone: no sideways scrolling, each time on one line', () =>
    withDiagnostics(async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await arriveAt(page, (u) => u.pathname === '/admin/audit', () => page.goto(at('/admin/audit')));
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(391);
      const times = page.locator('#audit td.time time');
      expect(await times.count()).toBeGreaterThan(0);
      for (const lines of await times.evaluateAll((els) => els.map((el) => el.getClientRects().length))) expect(lines).toBe(1);
      // The update's detail reads old → new for the changed field, visible on the phone too.
      await expect.poll(() => page.locator('#audit').innerText()).toContain('→ Uma Renamed');
      expect(await page.locator('#audit dl.kv').first().isVisible()).toBe(true);
    }));

  it('a 300-character description without spaces (and a long name and redirect URL) scrolls nothing sideways at 390 px: the app, the list, the audit log', () =>
    withDiagnostics(async () => {
      const description = `Unbroken-${'d'.repeat(291)}`;
      const app = await worker.api('POST', '/apps', { name: `Long${'N'.repeat(96)}`, description, redirect_urls: [`http://localhost:5000/${'r'.repeat(300)}`] });
      const changed = `Changed-${'e'.repeat(292)}`;
      await worker.api('PATCH', `/apps/${app.client_id}`, { description: changed }); // the audit detail: old → new, 600 letters
      const fits = () => page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        await arriveAt(page, (u) => u.pathname === `/admin/apps/${app.client_id}`, () => page.goto(at(`/admin/apps/${app.client_id}`)));
        expect(await page.locator('main').innerText()).toContain(changed);
        const onApp = await fits();
        expect(onApp.scrollWidth, 'the app page').toBeLessThanOrEqual(onApp.innerWidth);

        await arriveAt(page, (u) => u.pathname === '/admin/apps', () => page.goto(at('/admin/apps')));
        expect(await page.getByRole('region', { name: 'Applications' }).getByRole('link', { name: app.name }).isVisible()).toBe(true);
        const onList = await fits();
        expect(onList.scrollWidth, 'the apps list').toBeLessThanOrEqual(onList.innerWidth);

        const audit = at(`/admin/audit?type=app.update&user=${app.client_id}`);
        await expect.poll(async () => (await page.goto(audit), await page.locator('#audit').innerText().catch(() => ''))).toContain(changed);
        const onAudit = await fits();
        expect(onAudit.scrollWidth, 'the audit log').toBeLessThanOrEqual(onAudit.innerWidth);
      } finally {
        await page.setViewportSize({ width: 1280, height: 720 });
      }
    }));
});

// End to end: the console's Settings → Backup and move page in real headless Chromium against
// `wrangler dev`: an admin downloads an export with a passphrase, an app is then deleted, the file
// with a wrong passphrase is refused on the form (nothing imported), and with the right one the
// app comes back with its client secret and the report lists what was created and what was
// already here. One worker, one browser, steps in order.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arriveAt, describePage, launchChromium, newPage, ROOT, startLocalWorker, stopAll, withDiagnostics, type LocalWorker } from './support';

const run = randomBytes(4).toString('hex');
const ADMIN = { email: `admin-${run}@example.com`, password: randomBytes(12).toString('base64url') };
const PASSPHRASE = `backup ${randomBytes(9).toString('base64url')}`;
const SHOTS = join(ROOT, 'test-results');
const work = mkdtempSync(join(tmpdir(), 'edge-sso-backup-'));

describe('Backup and move in the console', { timeout: 300_000 }, () => {
  let browser: Browser;
  let worker: LocalWorker;
  let session: Awaited<ReturnType<typeof newPage>>;
  let app: { client_id: string; client_secret: string };
  let file = '';

  const at = (path: string) => new URL(path, worker.url).href;
  const isPath = (path: string) => (u: URL) => u.pathname === path;
  const step = (body: (page: Page) => Promise<void>) =>
    withDiagnostics(async () => {
      try {
        await body(session.page);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n${await describePage(session.page)}\n${session.recorder.text()}`);
      }
    });

  beforeAll(async () => {
    browser = await launchChromium();
    worker = await startLocalWorker();
    await worker.api('POST', '/users', { email: ADMIN.email, password: ADMIN.password, roles: ['admin'] });
    app = await worker.api('POST', '/apps', { name: `Backed up ${run}`, redirect_urls: ['http://localhost:9/cb'] });
    session = await newPage(browser);
    mkdirSync(SHOTS, { recursive: true });
  }, 400_000); // wrangler dev's start takes minutes on a busy 2-core machine

  afterAll(async () => {
    await session?.close();
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  });

  it('an admin signs in and opens Backup and move from the navigation', () =>
    step(async (page) => {
      await arriveAt(page, (u) => isPath('/login')(u), () => page.goto(at('/admin')));
      await page.getByLabel('Email', { exact: true }).fill(ADMIN.email);
      await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
      await arriveAt(page, isPath('/admin'), () => page.getByRole('button', { name: 'Sign in' }).click());
      await arriveAt(page, isPath('/admin/backup'), () => page.getByRole('link', { name: 'Backup and move' }).click());
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Backup and move');
    }));

  it('downloads an export sealed with the passphrase', () =>
    step(async (page) => {
      await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
      await page.getByLabel('Passphrase again').fill(PASSPHRASE);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download export' }).click()]);
      expect(download.suggestedFilename()).toMatch(/^edge-sso-export-\d{4}-\d{2}-\d{2}\.json$/);
      file = join(work, download.suggestedFilename());
      await download.saveAs(file);
      const text = readFileSync(file, 'utf8');
      expect(JSON.parse(text)).toMatchObject({ format: 'edge-sso-export', version: 2 });
      expect(text).toContain(app.client_id);
      expect(text).not.toContain(app.client_secret);
      expect(text).not.toContain(PASSPHRASE);
    }));

  it('refuses the file with a wrong passphrase on the form, importing nothing', () =>
    step(async (page) => {
      await worker.api('DELETE', `/apps/${app.client_id}`);
      await page.getByLabel('Export file').setInputFiles(file);
      await page.getByLabel('Its passphrase').fill('a wrong passphrase, long enough');
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/admin/backup/import'),
        page.waitForEvent('domcontentloaded'),
        page.getByRole('button', { name: 'Import' }).click(),
      ]);
      expect(response.status()).toBe(400);
      expect(await page.getByRole('alert').innerText()).toBe('The passphrase does not open this export, or the file was changed after it was exported. Nothing was imported.');
      expect(await page.getByLabel('Its passphrase').inputValue()).toBe('');
      await expect(worker.api('GET', `/apps/${app.client_id}`)).rejects.toMatchObject({ status: 404 });
    }));

  it('imports it with the right passphrase: the app is back with its secret, and the report says what was already here', () =>
    step(async (page) => {
      await page.getByLabel('Export file').setInputFiles(file);
      await page.getByLabel('Its passphrase').fill(PASSPHRASE);
      await arriveAt(page, (u) => /^\/admin\/backup\/import\/[A-Za-z0-9_-]{16}$/.test(u.pathname), () => page.getByRole('button', { name: 'Import' }).click(), { timeout: 60_000 });
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Import report');
      expect(await page.locator('#created').innerText()).toMatch(/apps\s+1/);
      expect(await page.locator('#existing').innerText()).toContain(ADMIN.email);
      await page.screenshot({ path: join(SHOTS, 'backup-import-report.png'), fullPage: true });
      expect((await worker.api('GET', `/apps/${app.client_id}/secret`)).client_secret).toBe(app.client_secret);
    }));
});

// The console's Settings → Backup and move page: an export downloaded with a passphrase, and that
// file imported with it, then the report (created, skipped as already here). Both forms are
// CSRF-checked; a wrong passphrase, a file changed after export, a file that is not JSON or not an
// export, and a missing file are clear 400s on the form that write nothing; the passphrase is never shown back or logged.
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { admin, auditUntil, Browser, createApp, createUser, hiddenFields, ORIGIN, PASSWORD } from '../helpers';

const PASSPHRASE = 'backup passphrase for the console test';
const WRONG = 'not the passphrase it was sealed with';

afterEach(() => vi.restoreAllMocks());

async function signedInAdmin() {
  const user = await createUser({ roles: ['admin'] });
  const browser = new Browser();
  expect((await browser.signInThrough('/admin/backup', user.email, PASSWORD)).status).toBe(200);
  return { browser, user };
}

/** The page's CSRF token (both forms carry the same one). */
async function csrfOf(browser: Browser): Promise<string> {
  return hiddenFields(await (await browser.fetch('/admin/backup')).text()).csrf!;
}

function postExport(browser: Browser, fields: Record<string, string>) {
  return browser.fetch('/admin/backup/export', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
    body: new URLSearchParams(fields),
  });
}

function postImport(browser: Browser, fields: Record<string, string>, file?: { text: string; name?: string }) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  if (file) form.set('file', new File([file.text], file.name ?? 'export.json', { type: 'application/json' }));
  return browser.fetch('/admin/backup/import', { method: 'POST', headers: { origin: ORIGIN }, body: form });
}

/** The file with one string replaced (it must be there: a replacement that misses would test nothing). */
function swapped(file: string, from: string, to: string): string {
  expect(file).toContain(JSON.stringify(from));
  return file.replaceAll(JSON.stringify(from), JSON.stringify(to));
}

const alertOf = (html: string, id: string) => new RegExp(`<div class="alert" role="alert" id="${id}">([^<]*)</div>`).exec(html)?.[1];

describe('Settings → Backup and move', { timeout: 120_000 }, () => {
  it('is in the console navigation and shows both forms with CSRF fields and empty passphrase fields', async () => {
    const { browser } = await signedInAdmin();
    const html = await (await browser.fetch('/admin/backup')).text();
    expect(html).toContain('<h1>Backup and move</h1>');
    expect(html).toMatch(/<a href="\/admin\/backup" aria-current="page">Backup and move<\/a>/);
    expect(html).toContain('action="/admin/backup/export"');
    expect(html).toMatch(/<form method="post" action="\/admin\/backup\/import"[^>]*enctype="multipart\/form-data"/);
    expect(html.match(/name="csrf"/g)).toHaveLength(2);
    for (const name of ['passphrase', 'passphrase_confirm', 'import_passphrase']) expect(html).toMatch(new RegExp(`name="${name}" type="password" value=""`));
    // Not an admin: no page.
    const user = await createUser();
    const other = new Browser();
    expect((await other.signInThrough('/admin/backup', user.email, PASSWORD)).status).toBe(403);
  });

  it('exports a download sealed with the passphrase; imports it back with a report of what was created and what was already here', async () => {
    const { browser, user } = await signedInAdmin();
    const app = await createApp({ name: 'Restored by the console' });
    const lines: string[] = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));

    const csrf = await csrfOf(browser);
    const res = await postExport(browser, { csrf, passphrase: PASSPHRASE, passphrase_confirm: PASSPHRASE });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="edge-sso-export-\d{4}-\d{2}-\d{2}\.json"$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const file = await res.text();
    const document = JSON.parse(file);
    expect(document).toMatchObject({ format: 'edge-sso-export', version: 2, mac: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(document.tables.apps.map((a: { clientId: string }) => a.clientId)).toContain(app.client_id);
    expect(file).not.toContain(PASSPHRASE);
    expect(file).not.toContain(app.client_secret);

    // The app is deleted here; importing the file brings it back with its secret, and reports the rest as already here.
    expect((await admin('DELETE', `/apps/${app.client_id}`)).status).toBe(204);
    const imported = await postImport(browser, { csrf, import_passphrase: PASSPHRASE }, { text: file });
    expect(imported.status).toBe(303);
    const location = imported.headers.get('location')!;
    expect(location).toMatch(/^\/admin\/backup\/import\/[A-Za-z0-9_-]{16}$/);
    const report = await (await browser.fetch(location)).text();
    expect(report).toContain('<h1>Import report</h1>');
    expect(report).toMatch(/<td><code>apps<\/code><\/td><td>1<\/td>/);
    expect(report).toContain(user.email);
    expect(report).toContain('Skipped: already here');
    expect(((await (await admin('GET', `/apps/${app.client_id}/secret`)).json()) as { client_secret: string }).client_secret).toBe(app.client_secret);

    // Audited as the admin, without the passphrase; nothing logged holds it.
    const [exported] = await auditUntil(`type=data.export&user=${user.id}`, (e) => e.length > 0);
    expect(exported).toMatchObject({ actor: user.id });
    const [importedEvent] = await auditUntil(`type=data.import&user=${user.id}`, (e) => e.length > 0);
    expect(importedEvent!.detail).toMatchObject({ imported: { apps: 1 } });
    const { results } = await env.DB.prepare("select detail from audit_events where type in ('data.export', 'data.import')").all<{ detail: string }>();
    expect(JSON.stringify(results)).not.toContain(PASSPHRASE);
    expect(lines.join('\n')).not.toContain(PASSPHRASE);
  });

  it('refuses a short or mistyped export passphrase with a 400 on the form, never showing it back', async () => {
    const { browser } = await signedInAdmin();
    const csrf = await csrfOf(browser);
    const short = await postExport(browser, { csrf, passphrase: 'too short', passphrase_confirm: 'too short' });
    expect(short.status).toBe(400);
    const shortHtml = await short.text();
    expect(alertOf(shortHtml, 'export-error')).toBe('The passphrase must be from 12 to 1024 characters.');
    expect(shortHtml).not.toContain('too short');
    const differ = await postExport(browser, { csrf, passphrase: PASSPHRASE, passphrase_confirm: `${PASSPHRASE}!` });
    expect(differ.status).toBe(400);
    const differHtml = await differ.text();
    expect(alertOf(differHtml, 'export-error')).toBe('The two passphrases differ.');
    expect(differHtml).not.toContain(PASSPHRASE);
  });

  it('a wrong passphrase, a changed file, a file that is not JSON or not an export, and no file: 400 on the form, nothing imported', async () => {
    const { browser } = await signedInAdmin();
    const csrf = await csrfOf(browser);
    const app = await createApp({ name: 'Exported, then deleted' });
    const file = await (await postExport(browser, { csrf, passphrase: PASSPHRASE, passphrase_confirm: PASSPHRASE })).text();
    expect((await admin('DELETE', `/apps/${app.client_id}`)).status).toBe(204);

    const cases: [Record<string, string>, { text: string } | undefined, RegExp][] = [
      [{ import_passphrase: WRONG }, { text: file }, /^The passphrase does not open this export, or the file was changed after it was exported\. Nothing was imported\.$/],
      [{ import_passphrase: PASSPHRASE }, { text: '{"format": "edge-sso-export", "version": 1, ' }, /^The file is not JSON/],
      [{ import_passphrase: PASSPHRASE }, { text: '{"users": []}' }, /^Not an edge-sso export/],
      // The console goes through the same whole-document MAC as the API: a redirect URL swapped in the file is refused.
      [{ import_passphrase: PASSPHRASE }, { text: swapped(file, app.redirect_urls[0]!, 'https://attacker.example/callback') }, /^The passphrase does not open this export, or the file was changed/],
      [{ import_passphrase: PASSPHRASE }, undefined, /^Choose the export file to import\.$/],
      [{ import_passphrase: 'short' }, { text: file }, /^The passphrase must be from 12 to 1024 characters\.$/],
    ];
    for (const [fields, upload, message] of cases) {
      const res = await postImport(browser, { csrf, ...fields }, upload);
      const html = await res.text();
      expect(res.status, String(message)).toBe(400);
      expect(alertOf(html, 'import-error'), String(message)).toMatch(message);
      expect(html).not.toContain(fields.import_passphrase!);
    }
    expect((await admin('GET', `/apps/${app.client_id}`)).status).toBe(404);
  });

  it('refuses both forms without the CSRF token, exporting and importing nothing', async () => {
    const { browser } = await signedInAdmin();
    const csrf = await csrfOf(browser);
    const app = await createApp();
    const file = await (await postExport(browser, { csrf, passphrase: PASSPHRASE, passphrase_confirm: PASSPHRASE })).text();
    expect((await admin('DELETE', `/apps/${app.client_id}`)).status).toBe(204);
    const exported = await postExport(browser, { passphrase: PASSPHRASE, passphrase_confirm: PASSPHRASE });
    expect(exported.status).toBe(403);
    expect(await exported.text()).not.toContain('edge-sso-export');
    expect((await postImport(browser, { csrf: 'forged', import_passphrase: PASSPHRASE }, { text: file })).status).toBe(403);
    expect((await admin('GET', `/apps/${app.client_id}`)).status).toBe(404);
  });
});

// Console: Settings → Backup and move. Export the deployment as a file sealed with a passphrase
// (src/portability/), and import such a file with its passphrase, then read the report. The
// passphrase is never shown back, stored or logged: it only derives the key, once per request.
import { Hono } from 'hono';
import { audit } from '../../audit/audit';
import { dbOf } from '../../http/context';
import { csrfToken } from '../../http/csrf';
import { randomToken } from '../../lib/encoding';
import { NotFoundError, RequestError, ValidationError } from '../../lib/errors';
import { keyring } from '../../lib/secret-box';
import { TABLES, tableCounts, type TableName } from '../../portability/document';
import { exportDeployment } from '../../portability/export';
import { importAuditDetail, importDeployment, type ImportReport } from '../../portability/import';
import { MIN_PASSPHRASE_LENGTH, passphraseProblem } from '../../portability/passphrase';
import { kvKeys, kvTtl } from '../../sessions/kv';
import { Field, PostForm } from '../../ui/components';
import { DataTable, type Column } from '../../ui/table';
import { actorOf, rawText, type ConsoleContext, type ConsoleEnv } from './context';
import { ConsolePage } from './layout';

export const backupPages = new Hono<ConsoleEnv>();

/** The import form's upload field; the console lets this one path through with a larger body (./routes.ts). */
export const IMPORT_PATH = '/admin/backup/import';
const REPORT_SECONDS = 600;

/** A passphrase field: typed, never given back (a page shown again starts empty). */
function PassphraseField(props: { name: string; label: string; autocomplete: string; error?: string; hint?: string }) {
  return (
    <Field
      name={props.name}
      label={props.label}
      type="password"
      required
      autocomplete={props.autocomplete}
      errors={props.error ? { [props.name]: props.error } : undefined}
      hint={props.hint}
    />
  );
}

function BackupPage(props: { c: ConsoleContext; exportError?: string; importError?: string }) {
  const csrf = csrfToken(props.c);
  return (
    <ConsolePage c={props.c} title="Backup and move">
      <p class="muted">
        An export is one JSON file with the apps and their secrets, the users with their password hashes and second factors, groups, SCIM tokens, identity sources, signing keys,
        branding and settings. Every secret in it is sealed with a key derived from your passphrase (Argon2id), and the whole file is signed with it, so no part can be changed without the passphrase: keep the passphrase apart from the file. Sessions and the audit
        log stay here. Import the file into another edge-sso to move there, or here to restore what was deleted.
      </p>
      <section class="card" aria-labelledby="export-heading">
        <h2 id="export-heading">Export</h2>
        <PostForm action="/admin/backup/export" csrf={csrf}>
          {props.exportError && (
            <div class="alert" role="alert" id="export-error">
              {props.exportError}
            </div>
          )}
          <PassphraseField name="passphrase" label="Passphrase" autocomplete="new-password" hint={`At least ${MIN_PASSPHRASE_LENGTH} characters. It is not stored anywhere.`} />
          <PassphraseField name="passphrase_confirm" label="Passphrase again" autocomplete="new-password" />
          <div class="actions">
            <button type="submit" class="inline">
              Download export
            </button>
          </div>
        </PostForm>
      </section>
      <section class="card" aria-labelledby="import-heading">
        <h2 id="import-heading">Import</h2>
        <PostForm action={IMPORT_PATH} csrf={csrf} enctype="multipart/form-data">
          <p>
            Records this deployment already has (the same client ID or SAML entity ID, the same email or user id, the same source, key, setting, SCIM token or group) are
            left as they are and listed in the report. A wrong passphrase or a changed file imports nothing.
          </p>
          {props.importError && (
            <div class="alert" role="alert" id="import-error">
              {props.importError}
            </div>
          )}
          <label for="file">Export file</label>
          <input type="file" id="file" name="file" accept=".json,application/json" required />
          <PassphraseField name="import_passphrase" label="Its passphrase" autocomplete="off" />
          <div class="actions">
            <button type="submit" class="inline">
              Import
            </button>
          </div>
        </PostForm>
      </section>
    </ConsolePage>
  );
}

backupPages.get('/', (c) => c.html(<BackupPage c={c} />));

backupPages.post('/export', async (c) => {
  const passphrase = rawText(c, 'passphrase');
  const problem = passphraseProblem(passphrase) ? `The passphrase ${passphraseProblem(passphrase)}.` : passphrase !== rawText(c, 'passphrase_confirm') ? 'The two passphrases differ.' : null;
  if (problem) return c.html(<BackupPage c={c} exportError={problem} />, 400);
  const document = await exportDeployment(dbOf(c), keyring(c.env), passphrase);
  audit(c, { type: 'data.export', actor: actorOf(c), detail: tableCounts(document.tables) });
  c.header('Cache-Control', 'no-store');
  c.header('Content-Disposition', `attachment; filename="edge-sso-export-${document.exported_at.slice(0, 10)}.json"`);
  return c.body(JSON.stringify(document), 200, { 'Content-Type': 'application/json; charset=utf-8' });
});

/** The uploaded file as JSON, or why it is not one. */
async function uploadedDocument(c: ConsoleContext): Promise<unknown> {
  const file = c.get('form').file;
  if (!(file instanceof File) || file.size === 0) throw new ValidationError({ file: 'Choose the export file to import.' });
  try {
    return JSON.parse(await file.text());
  } catch {
    throw new RequestError(400, 'invalid_document', 'The file is not JSON: choose a file that an edge-sso export wrote. Nothing was imported.');
  }
}

backupPages.post('/import', async (c) => {
  let report: ImportReport;
  try {
    const passphrase = rawText(c, 'import_passphrase');
    const problem = passphraseProblem(passphrase);
    if (problem) throw new ValidationError({ import_passphrase: `The passphrase ${problem}.` });
    report = await importDeployment(dbOf(c), keyring(c.env), passphrase, await uploadedDocument(c));
  } catch (error) {
    // Every refusal (wrong passphrase, not an export, a changed file) wrote nothing: say why, on the form.
    if (error instanceof ValidationError) return c.html(<BackupPage c={c} importError={Object.values(error.fields).join(' ')} />, 400);
    if (error instanceof RequestError) return c.html(<BackupPage c={c} importError={error.message} />, error.status);
    throw error;
  }
  audit(c, { type: 'data.import', actor: actorOf(c), detail: importAuditDetail(report) });
  const id = randomToken(12);
  await c.env.KV.put(kvKeys.backupReport(id), JSON.stringify(report), { expirationTtl: kvTtl(REPORT_SECONDS) });
  return c.redirect(`/admin/backup/import/${id}`, 303);
});

const EXISTING_LABELS: Record<keyof ImportReport['existing'], string> = {
  apps: 'Applications (client ID)',
  users: 'Users (email)',
  identity_sources: 'Identity sources',
  signing_keys: 'Signing keys (kid)',
  settings: 'Settings',
  scim_tokens: 'SCIM tokens',
  groups: 'Groups',
};

/** The report's "Created" table: one row per table the import wrote to. */
const createdColumns = (report: ImportReport): Column<TableName>[] => [
  { header: 'Table', cell: (name) => <code>{name}</code> },
  { header: 'Rows', cell: (name) => report.imported[name] },
];

backupPages.get('/import/:id', async (c) => {
  const id = c.req.param('id');
  const report = /^[A-Za-z0-9_-]{16}$/.test(id) ? await c.env.KV.get<ImportReport>(kvKeys.backupReport(id), 'json') : null;
  if (!report) throw new NotFoundError('This import report has expired; reports are kept for 10 minutes.');
  const created = (Object.keys(TABLES) as TableName[]).filter((name) => (report.imported[name] ?? 0) > 0);
  const existing = (Object.keys(EXISTING_LABELS) as (keyof ImportReport['existing'])[]).filter((kind) => (report.existing[kind] ?? []).length > 0);
  return c.html(
    <ConsolePage c={c} title="Import report">
      <DataTable
        label="Created"
        id="created"
        before={<h2 id="created-heading">Created</h2>}
        rows={created}
        columns={createdColumns(report)}
        empty={<span id="nothing-created">Nothing: this deployment already had everything in the file.</span>}
      />
      <section class="card" aria-labelledby="existing-heading">
        <h2 id="existing-heading">Skipped: already here</h2>
        {existing.length === 0 ? (
          <p>None.</p>
        ) : (
          <dl id="existing">
            {existing.map((kind) => (
              <>
                <dt>{EXISTING_LABELS[kind]}</dt>
                <dd>{report.existing[kind].join(', ')}</dd>
              </>
            ))}
          </dl>
        )}
        <p class="muted">These were left exactly as they were here, with what belongs to them in the file (a skipped user’s factors, a skipped app’s redirect URLs).</p>
      </section>
      <section class="card" aria-labelledby="errors-heading">
        <h2 id="errors-heading">Errors</h2>
        <p>None: an import that finds an error writes nothing and says so on the form.</p>
        <div class="actions">
          <a class="button inline" href="/admin/backup">
            Back to Backup and move
          </a>
        </div>
      </section>
    </ConsolePage>,
  );
});

// Console: Users → Import CSV. The form, the import, and its report (kept in KV for 10 minutes).
import { Hono } from 'hono';
import { audit } from '../../../audit/audit';
import { dbOf } from '../../../http/context';
import { csrfToken } from '../../../http/csrf';
import { randomToken } from '../../../lib/encoding';
import { NotFoundError } from '../../../lib/errors';
import { kvKeys, kvTtl } from '../../../sessions/kv';
import { IMPORT_COLUMNS, MAX_IMPORT_ROWS } from '../../../users/csv';
import { importUsersFromCsv, type ImportOutcome } from '../../../users/import';
import { Checkbox, PostForm, TextArea } from '../../../ui/components';
import { DataTable, type Column } from '../../../ui/table';
import { inviteImported } from '../../../onboarding/invites';
import { actorOf, rawText, type ConsoleContext, type ConsoleEnv } from '../context';
import { ConsolePage } from '../layout';

export const importPages = new Hono<ConsoleEnv>();

function ImportForm(props: { c: ConsoleContext; error?: string; csv?: string }) {
  return (
    <PostForm action="/admin/users/import" csrf={csrfToken(props.c)} class="card" enctype="multipart/form-data">
      <p>
        A CSV file whose first line names the columns: <code>email</code> (required), and any of <code>{IMPORT_COLUMNS.filter((c) => c !== 'email').join(', ')}</code>. Separate several
        groups in one cell with <code>;</code>. Without a password a user cannot sign in until you set one. Up to {MAX_IMPORT_ROWS} users per file.
      </p>
      {props.error && (
        <div class="alert" role="alert">
          {props.error}
        </div>
      )}
      <label for="file">CSV file</label>
      <input type="file" id="file" name="file" accept=".csv,text/csv" />
      <TextArea name="csv" label="…or paste the CSV" value={props.csv} rows={6} placeholder={'email,name,groups,password\nada@example.com,Ada Lovelace,staff;eng,a-long-initial-password'} />
      <Checkbox name="invite" label="Invite users without a password by email (a link to choose one)" />
      <div class="actions">
        <button type="submit" class="inline">
          Import users
        </button>
        <a class="button secondary inline" href="/admin/users">
          Cancel
        </a>
      </div>
    </PostForm>
  );
}

importPages.get('/', (c) =>
  c.html(
    <ConsolePage c={c} title="Import users">
      <ImportForm c={c} />
    </ConsolePage>,
  ),
);

importPages.post('/', async (c) => {
  const file = c.get('form').file;
  const pasted = rawText(c, 'csv');
  const csv = file instanceof File && file.size > 0 ? (file.size > 1_000_000 ? null : await file.text()) : pasted;
  const result = csv === null ? { error: 'The file is larger than 1 MB.' } : csv.trim() === '' ? { error: 'Choose a CSV file or paste its contents.' } : await importUsersFromCsv(dbOf(c), csv);
  if ('error' in result) {
    return c.html(
      <ConsolePage c={c} title="Import users">
        <ImportForm c={c} error={result.error} csv={pasted} />
      </ConsolePage>,
      400,
    );
  }
  const created = result.outcomes.filter((o) => o.created).length;
  const invited = c.get('form').invite === 'on' ? await inviteImported(c, result.outcomes) : 0;
  audit(c, { type: 'user.import', actor: actorOf(c), target: '', detail: { created, refused: result.outcomes.length - created, invited } });
  const reportId = randomToken(12);
  await c.env.KV.put(kvKeys.importReport(reportId), JSON.stringify(result.outcomes), { expirationTtl: kvTtl(600) });
  return c.redirect(`/admin/users/import/${reportId}`, 303);
});

const REPORT_COLUMNS: Column<ImportOutcome>[] = [
  { header: 'Line', cell: (o) => o.line },
  { header: 'Email', cell: (o) => o.email },
  {
    header: 'Result',
    cell: (o) => (
      <>
        {o.created ? <span class="badge ok">Created</span> : <span class="badge warn">Refused</span>} {o.message}
      </>
    ),
  },
];

importPages.get('/:reportId', async (c) => {
  const outcomes = /^[A-Za-z0-9_-]{16}$/.test(c.req.param('reportId')) ? await c.env.KV.get<ImportOutcome[]>(kvKeys.importReport(c.req.param('reportId')), 'json') : null;
  if (!outcomes) throw new NotFoundError('This import report has expired; reports are kept for 10 minutes.');
  const created = outcomes.filter((o) => o.created).length;
  return c.html(
    <ConsolePage c={c} title="Import report">
      <DataTable
        label="Import report"
        id="import-report"
        before={
          <p>
            <strong>{created}</strong> created, <strong>{outcomes.length - created}</strong> refused.
          </p>
        }
        rows={outcomes}
        columns={REPORT_COLUMNS}
        empty="The file named its columns but held no users."
      >
        <div class="actions">
          <a class="button inline" href="/admin/users">
            Back to users
          </a>
        </div>
      </DataTable>
    </ConsolePage>,
  );
});


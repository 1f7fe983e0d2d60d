// Console: Applications, the list and Add application.
import { Hono } from 'hono';
import { NEW_SAML_APP_PATH } from './saml';
import type { App } from '../../../apps/app';
import { parseNewApp } from '../../../apps/input';
import { createApp, listApps } from '../../../apps/store';
import { audit } from '../../../audit/audit';
import { dbOf } from '../../../http/context';
import { SearchForm } from '../../../ui/components';
import { DataTable, type Column } from '../../../ui/table';
import { ConsolePage, noticeFrom } from '../layout';
import { actorOf, formText, type ConsoleEnv } from '../context';
import { appKindOf, KindChooser, kindDefaults, kindLabel } from './kinds';
import { AppForm, saveForm } from './form';
import { keyring } from '../../../lib/secret-box';

export const appListPages = new Hono<ConsoleEnv>();

// A long name wraps and the client ID stays on one line (break-all would squeeze it a letter per line beside a long name).
const APP_COLUMNS: Column<App>[] = [
  { header: 'Name', class: 'wrap', cell: (app) => <a href={`/admin/apps/${encodeURIComponent(app.clientId)}`}>{app.name}</a> },
  { header: 'Client ID', class: 'nowrap', cell: (app) => <code>{app.clientId}</code> },
  { header: 'Algorithm', optional: true, cell: (app) => (app.protocol === 'saml' ? 'SAML' : app.signingAlg) },
  { header: 'Delivery', optional: true, cell: (app) => (app.protocol === 'saml' ? 'HTTP-POST' : app.responseMode) },
];

appListPages.get('/', async (c) => {
  const search = c.req.query('q')?.trim() ?? '';
  const { apps } = await listApps(dbOf(c), { search: search || undefined, limit: 100, offset: 0 });
  return c.html(
    <ConsolePage c={c} title="Applications" notice={noticeFrom(c)}>
      <div class="toolbar">
        <SearchForm action="/admin/apps" value={search} label="Search applications" placeholder="Name or client ID" />
        <div class="actions">
          <a class="button inline" href="/admin/apps/new">
            Add application
          </a>
        </div>
      </div>
      <DataTable label="Applications" rows={apps} columns={APP_COLUMNS} empty={search ? 'No application matches.' : 'No applications yet. Add one to get its SSO URL.'} />
    </ConsolePage>,
  );
});

// Step one asks what kind of app it is; ?type=<kind> then shows that kind's form (a SAML app has its own).
appListPages.get('/new', (c) => {
  const type = c.req.query('type');
  if (type === 'saml') return c.redirect(NEW_SAML_APP_PATH, 303);
  const kind = appKindOf(type);
  if (!kind) {
    return c.html(
      <ConsolePage c={c} title="Add application">
        <KindChooser invalid={type !== undefined} />
      </ConsolePage>,
      type === undefined ? 200 : 400,
    );
  }
  return c.html(
    <ConsolePage c={c} title={`Add application: ${kindLabel(kind)}`}>
      <p>
        <a href="/admin/apps/new">Choose another kind</a>
      </p>
      <AppForm c={c} action="/admin/apps/new" values={kindDefaults(kind)} errors={{}} creating kind={kind} />
    </ConsolePage>,
  );
});

// Without a kind (a form from before the step, or a script), the app gets every field, as the admin API does.
appListPages.post('/new', (c) => {
  const kind = appKindOf(formText(c, 'kind'));
  return saveForm(
    c,
    { creating: true, kind },
    parseNewApp,
    async (parsed) => {
      const { app } = await createApp(dbOf(c), keyring(c.env), parsed);
      audit(c, { type: 'app.create', actor: actorOf(c), target: app.clientId, detail: { name: app.name, ...(app.kind ? { kind: app.kind } : {}) } });
      return c.redirect(`/admin/apps/${encodeURIComponent(app.clientId)}?notice=created`, 303);
    },
    (values, errors) =>
      c.html(
        <ConsolePage c={c} title={kind ? `Add application: ${kindLabel(kind)}` : 'Add application'}>
          <AppForm c={c} action="/admin/apps/new" values={values} errors={errors} creating kind={kind} />
        </ConsolePage>,
        400,
      ),
  );
});

// Console: Identity sources. List, add (per type), view with the redirect URI to register
// upstream, edit, delete, and Test connection, which runs the real flow for the admin and shows
// the claims received and the profile they map to. Validation is the admin API's.
import { Hono } from 'hono';
import { audit } from '../../../audit/audit';
import { unlinkIdentity } from '../../../federation/accounts';
import { newAttempt, writeAttempt } from '../../../federation/attempt';
import { checkProvider, providerChanged } from '../../../federation/checks';
import { startSaml } from '../../../federation/saml/start';
import { SamlServiceProviderDetails } from './saml';
import { callbackUrl, clientFor, forceLoginParams } from '../../../federation/client';
import { formValuesOf } from '../../../federation/form';
import { isDirectoryType } from '../../../federation/ldap/login';
import { parseNewSource, parseSourceChanges } from '../../../federation/input';
import { availableTypes, presetFor } from '../../../federation/registry';
import { createSource, deleteSource, getSource, listSources, updateSource } from '../../../federation/store';
import { UpstreamError, type SourceType } from '../../../federation/types';
import { dbOf, issuerOf } from '../../../http/context';
import { csrfToken } from '../../../http/csrf';
import { NotFoundError } from '../../../lib/errors';
import { Copyable, Select } from '../../../ui/components';
import { actorOf, type ConsoleContext, type ConsoleEnv } from '../context';
import { directoryTestForm, renderDirectoryTest } from './directory';
import { saveForm, SourceForm } from './form';
import { renderTestResult, sourcePath, unlinkPath } from './parts';
import { ConfirmPage, ConsolePage, noticeFrom } from '../layout';
import { keyring } from '../../../lib/secret-box';
import { fieldChanges, secretChanges } from '../../../audit/changes';
import { DataTable } from '../../../ui/table';

export const identitySourcePages = new Hono<ConsoleEnv>();

const base = sourcePath;

async function findSource(c: ConsoleContext) {
  const found = await getSource(dbOf(c), keyring(c.env), c.req.param('slug')!);
  if (!found) throw new NotFoundError('No such identity source.');
  return found;
}

function typeOf(raw: string | undefined): SourceType {
  const type = availableTypes().find((t) => t === raw);
  if (!type) throw new NotFoundError(`Unknown identity source type. Choose one of: ${availableTypes().join(', ')}.`);
  return type;
}

// --- List and add ------------------------------------------------------------------------------

identitySourcePages.get('/', async (c) => {
  const sources = await listSources(dbOf(c), keyring(c.env));
  return c.html(
    <ConsolePage c={c} title="Identity sources" notice={noticeFrom(c)}>
      <div class="card">
        <p>Let users sign in with an external provider. Each application can make one its primary source (its SSO URL then goes straight there), and the login page offers every source marked for it.</p>
        <form method="get" action="/admin/identity-sources/new" class="toolbar">
          <Select name="type" label="Type" value="oidc" options={availableTypes().map((t) => [t, presetFor(t).label] as const)} />
          <button type="submit" class="inline">
            Add identity source
          </button>
        </form>
      </div>
      <DataTable
        label="Identity sources"
        rows={sources}
        empty="No identity sources yet. Users sign in with edge-sso’s own passwords."
        columns={[
          { header: 'Name', cell: (s) => <a href={base(s.slug)}>{s.name}</a> },
          { header: 'Slug', cell: (s) => <code>{s.slug}</code> },
          { header: 'Type', optional: true, cell: (s) => presetFor(s.type).label },
          { header: 'Status', cell: (s) => <span class={`badge ${s.enabled ? 'ok' : 'off'}`}>{s.enabled ? 'enabled' : 'disabled'}</span> },
        ]}
      />
    </ConsolePage>,
  );
});

identitySourcePages.get('/new', (c) => {
  const type = typeOf(c.req.query('type') ?? 'oidc');
  return c.html(
    <ConsolePage c={c} title={`Add ${presetFor(type).label} source`}>
      <SourceForm c={c} type={type} action={`/admin/identity-sources/new?type=${type}`} values={{ enabled: 'on', show_on_login_page: 'on' }} errors={{}} creating cancel="/admin/identity-sources" />
    </ConsolePage>,
  );
});

identitySourcePages.post('/new', (c) => {
  const type = typeOf(c.req.query('type'));
  return saveForm(
    c,
    type,
    true,
    parseNewSource,
    async (input) => {
      await checkProvider(input.type, input.config, input.secrets, input.slug);
      const { source } = await createSource(dbOf(c), keyring(c.env), input);
      audit(c, { type: 'source.create', actor: actorOf(c), target: source.slug, detail: { type: source.type, name: source.name } });
      return c.redirect(`${base(source.slug)}?notice=saved`, 303);
    },
    (values, errors) =>
      c.html(
        <ConsolePage c={c} title={`Add ${presetFor(type).label} source`}>
          <SourceForm c={c} type={type} action={`/admin/identity-sources/new?type=${type}`} values={values} errors={errors} creating cancel="/admin/identity-sources" />
        </ConsolePage>,
        400,
      ),
  );
});

/** "a → b" lines: a source's group renames, or (←) the claims its profile fields are read from. */
function Pairs(props: { pairs: [string, string | undefined][]; arrow?: '→' | '←' }) {
  return (
    <ul class="plain">
      {props.pairs.map(([from, to]) => (
        <li>
          <code>{from}</code> {props.arrow ?? '→'} <code>{to}</code>
        </li>
      ))}
    </ul>
  );
}

// --- One source --------------------------------------------------------------------------------

identitySourcePages.get('/:slug', async (c) => {
  const { source } = await findSource(c);
  const preset = presetFor(source.type);
  // A value as the admin typed it: a string plainly, a list one item a line, an unset field as "not set".
  const shown = (value: unknown) =>
    value === undefined || value === '' || (Array.isArray(value) && value.length === 0) ? (
      <span class="muted">not set</span>
    ) : typeof value === 'string' ? (
      <code>{value}</code>
    ) : Array.isArray(value) ? (
      <code>{value.join(', ')}</code>
    ) : (
      <code>{JSON.stringify(value)}</code>
    );
  const directory = isDirectoryType(source.type);
  const saml = preset.protocol.kind === 'saml';
  return c.html(
    <ConsolePage c={c} title={source.name} notice={noticeFrom(c)}>
      <div class="card">
        <dl class="details">
          {saml && <SamlServiceProviderDetails issuer={issuerOf(c)} source={source} />}
          {!directory && !saml && (
            <>
              <dt>Redirect URI</dt>
              <dd>
                <Copyable value={callbackUrl(issuerOf(c), source.slug)} label="redirect URI" id="redirect-uri" />
                <p class="hint">Register this exact URL at {preset.label} as the app’s redirect (callback) URI.</p>
              </dd>
            </>
          )}
          <dt>Type</dt>
          <dd>{preset.label}</dd>
          <dt>Slug</dt>
          <dd>
            <code>{source.slug}</code>
          </dd>
          <dt>Status</dt>
          <dd>
            {source.enabled ? 'Enabled' : 'Disabled'} · {source.show_on_login_page ? 'shown on the login page' : 'not shown on the login page'}
          </dd>
          {!directory && !saml && (
            <>
              <dt>Client ID</dt>
              <dd>
                <code>{source.client_id}</code>
              </dd>
            </>
          )}
          {preset.fields.map((field) => (
            <>
              <dt>{field.label}</dt>
              <dd>{field.secret ? (source.secrets_set.includes(field.name) ? <span class="muted">set (hidden)</span> : <span class="muted">not set</span>) : shown(source.config[field.name])}</dd>
            </>
          ))}
          <dt>Scopes</dt>
          <dd>
            <code>{source.scopes.join(' ')}</code>
          </dd>
          <dt>Provisioning</dt>
          <dd>{source.provisioning === 'create' ? 'Creates users at their first sign-in' : 'Only existing users'}</dd>
          <dt>Allowed domains</dt>
          <dd>{source.allowed_domains.length ? source.allowed_domains.join(', ') : <span class="muted">Any</span>}</dd>
          <dt>Linking by email</dt>
          <dd>{source.trust_email_for_linking ? 'Verified emails may link to existing accounts' : 'Off: a first sign-in never takes over an existing account'}</dd>
          <dt>Claim mapping</dt>
          <dd>{Object.keys(source.claim_map).length ? <Pairs pairs={Object.entries(source.claim_map)} arrow="←" /> : <span class="muted">Standard claims</span>}</dd>
          <dt>Group mapping</dt>
          <dd id="group-mapping">
            {preset.sends_groups === false ? (
              <span class="muted">{preset.label} sends no groups</span>
            ) : (
              <>
                Claim <code>{source.group_map.claim}</code>, {source.group_map.prefix ? <>prefix <code>{source.group_map.prefix}</code></> : 'no prefix'}
                {Object.keys(source.group_map.rename).length > 0 && <Pairs pairs={Object.entries(source.group_map.rename)} />}
              </>
            )}
          </dd>
        </dl>
        <div class="actions">
          <a class="button inline" href={`${base(source.slug)}/test`}>
            Test connection
          </a>
          <a class="button secondary inline" href={`${base(source.slug)}/edit`}>
            Edit
          </a>
          <a class="button danger inline" href={`${base(source.slug)}/delete`}>
            Delete
          </a>
        </div>
      </div>
    </ConsolePage>,
  );
});

identitySourcePages.get('/:slug/edit', async (c) => {
  const { source } = await findSource(c);
  return c.html(
    <ConsolePage c={c} title={`Edit ${source.name}`}>
      <SourceForm c={c} type={source.type} action={`${base(source.slug)}/edit`} values={formValuesOf(source)} errors={{}} creating={false} cancel={base(source.slug)} />
    </ConsolePage>,
  );
});

identitySourcePages.post('/:slug/edit', async (c) => {
  const { source: current } = await findSource(c);
  return saveForm(
    c,
    current.type,
    false,
    (raw) => parseSourceChanges(raw, current),
    async (changes) => {
      if (changes.fields.config && providerChanged(current, changes.fields.config)) await checkProvider(current.type, changes.fields.config);
      await updateSource(dbOf(c), keyring(c.env), current.slug, changes);
      audit(c, { type: 'source.update', actor: actorOf(c), target: current.slug, detail: { changes: { ...fieldChanges(current, changes.fields), ...secretChanges(Object.keys(changes.secrets)) } } });
      return c.redirect(`${base(current.slug)}?notice=saved`, 303);
    },
    (values, errors) =>
      c.html(
        <ConsolePage c={c} title={`Edit ${current.name}`}>
          <SourceForm c={c} type={current.type} action={`${base(current.slug)}/edit`} values={values} errors={errors} creating={false} cancel={base(current.slug)} />
        </ConsolePage>,
        400,
      ),
  );
});

identitySourcePages.get('/:slug/delete', async (c) => {
  const { source } = await findSource(c);
  return c.html(
    <ConfirmPage
      c={c}
      title={`Delete ${source.name}?`}
      message={`Users will no longer be able to sign in with ${source.name}, their links to it are removed, and applications that use it as their primary source go back to edge-sso’s login page. This cannot be undone.`}
      action={`${base(source.slug)}/delete`}
      button="Delete identity source"
      back={base(source.slug)}
      csrf={csrfToken(c)}
    />,
  );
});

identitySourcePages.post('/:slug/delete', async (c) => {
  const { source } = await findSource(c);
  await deleteSource(dbOf(c), source.slug);
  audit(c, { type: 'source.delete', actor: actorOf(c), target: source.slug, detail: { name: source.name } });
  return c.redirect('/admin/identity-sources?notice=deleted', 303);
});

// --- Test connection ---------------------------------------------------------------------------

/**
 * Starts the real flow for the admin; the callback shows the result (renderTestResult) instead of
 * signing in. A link, not a form: CSP form-action would stop a form's redirect to the provider, and
 * starting a test changes nothing (the result is shown only to this admin, in this browser).
 */
identitySourcePages.get('/:slug/test', async (c) => {
  const { source, secrets } = await findSource(c);
  if (isDirectoryType(source.type)) return directoryTestForm(c, source);
  if (presetFor(source.type).protocol.kind === 'saml') return startSaml(c, { source, secrets }, undefined, true, actorOf(c));
  const attempt = newAttempt(source.slug, { test_by: actorOf(c) });
  try {
    const url = await clientFor(source, secrets, issuerOf(c)).authorizationUrl(attempt, forceLoginParams(source, true));
    await writeAttempt(c, keyring(c.env), attempt, presetFor(source.type).response_mode === 'form_post');
    return c.redirect(url.href, 303);
  } catch (error) {
    const failure = error instanceof UpstreamError ? error : new UpstreamError('failed', 'The test could not start.', String(error));
    audit(c, { type: 'source.test', actor: actorOf(c), target: source.slug, detail: { ok: false, reason: failure.code } });
    return renderTestResult(c, source, { error: failure });
  }
});

identitySourcePages.post('/:slug/test', async (c) => {
  const { source, secrets } = await findSource(c);
  if (!isDirectoryType(source.type)) throw new NotFoundError('Test connection of this source starts with a link, not a form.');
  return renderDirectoryTest(c, source, secrets);
});

identitySourcePages.get('/:slug/unlink', async (c) => {
  const slug = c.req.param('slug');
  const userId = c.req.query('user') ?? '';
  const subject = c.req.query('subject') ?? '';
  return c.html(
    <ConfirmPage
      c={c}
      title="Unlink this identity?"
      message={`The ${slug} account ${subject} will no longer sign in as this user. If it signs in again, the first-sign-in rules apply: it may be refused, or create a new user.`}
      action={unlinkPath(slug, userId, subject)}
      button="Unlink identity"
      back={`/admin/users/${encodeURIComponent(userId)}`}
      csrf={csrfToken(c)}
    />,
  );
});

identitySourcePages.post('/:slug/unlink', async (c) => {
  const slug = c.req.param('slug');
  const userId = c.req.query('user') ?? '';
  const subject = c.req.query('subject') ?? '';
  if (!(await unlinkIdentity(dbOf(c), userId, slug, subject))) throw new NotFoundError('No such linked identity.');
  audit(c, { type: 'user.identity.unlink', actor: actorOf(c), target: userId, detail: { source: slug, subject } });
  return c.redirect(`/admin/users/${encodeURIComponent(userId)}?notice=saved`, 303);
});

// Console: Identity sources. List, add (per type), view with the redirect URI to register
// upstream, edit, delete, and Test connection, which runs the real flow for the admin and shows
// the claims received and the profile they map to. Validation is the admin API's.
import { Hono } from 'hono';
import { audit } from '../../audit/audit';
import { newAttempt, writeAttempt } from '../../federation/attempt';
import { checkProvider } from '../../federation/checks';
import { callbackUrl, clientFor, forceLoginParams } from '../../federation/client';
import { formFieldNames, formValuesOf, toApiInput, type SourceFormValues } from '../../federation/form';
import { parseNewSource, parseSourceChanges, PROVISIONING } from '../../federation/input';
import type { MappedProfile } from '../../federation/mapping';
import { listIdentities, unlinkIdentity } from '../../federation/accounts';
import { availableTypes, presetFor } from '../../federation/registry';
import { createSource, deleteSource, getSource, listSources, updateSource } from '../../federation/store';
import { CLAIM_MAP_FIELDS, UpstreamError, type IdentitySource, type SourceType, type UpstreamProfile } from '../../federation/types';
import { dbOf, issuerOf, type AppContext } from '../../http/context';
import { csrfToken } from '../../http/csrf';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { Checkbox, Copyable, ErrorSummary, Field, PostForm, Select, TextArea, type Errors } from '../../ui/components';
import { actorOf, formText, type ConsoleContext, type ConsoleEnv } from './context';
import { ConfirmPage, ConsolePage, noticeFrom } from './layout';

export const identitySourcePages = new Hono<ConsoleEnv>();

const base = (slug: string) => `/admin/identity-sources/${encodeURIComponent(slug)}`;
const PROVISIONING_OPTIONS = PROVISIONING.map((p) => [p, p === 'create' ? 'Create the user at the first sign-in' : 'Only users who already exist in edge-sso'] as const);

async function findSource(c: ConsoleContext) {
  const found = await getSource(dbOf(c), c.env.KEY_ENCRYPTION_KEY, c.req.param('slug')!);
  if (!found) throw new NotFoundError('No such identity source.');
  return found;
}

function typeOf(raw: string | undefined): SourceType {
  const type = availableTypes().find((t) => t === raw);
  if (!type) throw new NotFoundError(`Unknown identity source type. Choose one of: ${availableTypes().join(', ')}.`);
  return type;
}

// --- The add/edit form -------------------------------------------------------------------------

function SourceForm(props: { c: ConsoleContext; type: SourceType; action: string; values: SourceFormValues; errors: Errors; creating: boolean; cancel: string }) {
  const { values, errors, type } = props;
  const preset = presetFor(type);
  return (
    <PostForm action={props.action} csrf={csrfToken(props.c)} class="card">
      <ErrorSummary errors={errors} />
      <p class="muted">
        Type: <strong>{preset.label}</strong>
        {preset.docs_url && (
          <>
            {' · '}
            <a href={preset.docs_url} rel="noopener">
              provider documentation
            </a>
          </>
        )}
      </p>
      {preset.note && <p class="hint">{preset.note}</p>}
      <Field name="name" label="Name" value={values.name ?? preset.label} errors={errors} required hint="Shown to users: “Continue with …”." />
      {props.creating && <Field name="slug" label="Slug (optional)" value={values.slug} errors={errors} hint="Names the callback URL. Lower-case letters, digits and -; made from the name when empty. It cannot be changed later." />}
      <Field name="client_id" label="Client ID" value={values.client_id} errors={errors} required hint="From the app you registered at the provider." />
      {preset.fields.map((field) =>
        field.kind === 'multiline' || field.kind === 'list' ? (
          <TextArea
            name={field.name}
            label={field.label}
            value={field.secret ? '' : values[field.name]}
            errors={errors}
            rows={field.kind === 'multiline' ? 5 : 2}
            required={field.required && (props.creating || !field.secret)}
            hint={[field.help, field.secret && !props.creating ? 'Leave empty to keep the stored value.' : ''].filter(Boolean).join(' ')}
          />
        ) : (
          <Field
            name={field.name}
            label={field.label}
            type={field.secret ? 'password' : field.kind === 'url' ? 'url' : 'text'}
            value={field.secret ? '' : values[field.name]}
            errors={errors}
            required={field.required && (props.creating || !field.secret)}
            autocomplete={field.secret ? 'off' : undefined}
            hint={[field.help, field.secret && !props.creating ? 'Leave empty to keep the stored value.' : ''].filter(Boolean).join(' ') || undefined}
          />
        ),
      )}
      <Field name="scopes" label="Scopes" value={values.scopes ?? preset.default_scopes.join(' ')} errors={errors} hint="Separated by spaces." />
      <Checkbox name="enabled" label="Enabled" checked={values.enabled !== ''} />
      <Checkbox name="show_on_login_page" label="Show “Continue with …” on the login page" checked={values.show_on_login_page !== ''} />
      <Select name="provisioning" label="Provisioning" value={values.provisioning || 'create'} options={PROVISIONING_OPTIONS} errors={errors} />
      <TextArea name="allowed_domains" label="Allowed email domains (optional)" value={values.allowed_domains} errors={errors} rows={2} placeholder="example.com" hint="One per line. When set, only verified emails of these domains may sign in through this source." />
      <Checkbox name="trust_email_for_linking" label="Link a first sign-in to an existing edge-sso account with the same email, when the provider says the email is verified" checked={values.trust_email_for_linking === 'on'} />
      <p class="hint">Turn this on only for a provider that verifies email addresses and that you trust: otherwise anyone who registers an account there with a colleague’s email could take over the colleague’s edge-sso account.</p>
      <fieldset>
        <legend>Claim mapping (empty: the standard claim)</legend>
        {CLAIM_MAP_FIELDS.map((field) => (
          <Field name={`claim_map.${field}`} label={field.replace('_', ' ')} value={values[`claim_map.${field}`]} errors={errors} placeholder={field === 'username' ? 'preferred_username' : field} />
        ))}
      </fieldset>
      <fieldset>
        <legend>Group mapping</legend>
        <Field name="group_map.claim" label="Groups claim" value={values['group_map.claim'] || preset.default_group_claim || 'groups'} errors={errors} />
        <Field name="group_map.prefix" label="Prefix (optional)" value={values['group_map.prefix']} errors={errors} placeholder="okta:" />
        <TextArea name="group_map.rename" label="Rename (optional)" value={values['group_map.rename']} errors={errors} rows={3} placeholder="Engineering = eng" hint="One “upstream group = edge-sso group” per line; applied before the prefix." />
      </fieldset>
      <div class="actions">
        <button type="submit" class="inline">
          {props.creating ? 'Add identity source' : 'Save changes'}
        </button>
        <a class="button secondary inline" href={props.cancel}>
          Cancel
        </a>
      </div>
    </PostForm>
  );
}

function submitted(c: ConsoleContext, type: SourceType): SourceFormValues {
  return Object.fromEntries(formFieldNames(type).map((name) => [name, formText(c, name)]));
}

/**
 * Validates like the API (`parse`), then `save`s; on failure the form comes back with every error
 * next to its field: the form's own (an unreadable rename line) and the API's together.
 */
async function saveForm<T>(
  c: ConsoleContext,
  type: SourceType,
  creating: boolean,
  parse: (input: Record<string, unknown>) => T,
  save: (parsed: T) => Promise<Response>,
  render: (values: SourceFormValues, errors: Errors) => Response | Promise<Response>,
) {
  const values = submitted(c, type);
  const { input, errors } = toApiInput(type, values, creating);
  try {
    const parsed = parse(input);
    if (Object.keys(errors).length) return render(values, errors);
    return await save(parsed);
  } catch (error) {
    if (error instanceof ValidationError) return render(values, { ...error.fields, ...errors });
    if (error instanceof ConflictError) return render(values, { [error.field]: error.message });
    throw error;
  }
}

// --- List and add ------------------------------------------------------------------------------

identitySourcePages.get('/', async (c) => {
  const sources = await listSources(dbOf(c), c.env.KEY_ENCRYPTION_KEY);
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
      <div class="card table-wrap">
        {sources.length === 0 ? (
          <p>No identity sources yet. Users sign in with edge-sso’s own passwords.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Slug</th>
                <th class="optional">Type</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {sources.map((s) => (
                <tr>
                  <td>
                    <a href={base(s.slug)}>{s.name}</a>
                  </td>
                  <td>
                    <code>{s.slug}</code>
                  </td>
                  <td class="optional">{presetFor(s.type).label}</td>
                  <td>
                    <span class={`badge ${s.enabled ? 'ok' : 'off'}`}>{s.enabled ? 'enabled' : 'disabled'}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
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
      await checkProvider(input.type, input.config);
      const { source } = await createSource(dbOf(c), c.env.KEY_ENCRYPTION_KEY, input);
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

// --- One source --------------------------------------------------------------------------------

identitySourcePages.get('/:slug', async (c) => {
  const { source } = await findSource(c);
  const preset = presetFor(source.type);
  const json = (value: unknown) => <code>{JSON.stringify(value)}</code>;
  return c.html(
    <ConsolePage c={c} title={source.name} notice={noticeFrom(c)}>
      <div class="card">
        <dl class="details">
          <dt>Redirect URI</dt>
          <dd>
            <Copyable value={callbackUrl(issuerOf(c), source.slug)} label="redirect URI" id="redirect-uri" />
            <p class="hint">Register this exact URL at {preset.label} as the app’s redirect (callback) URI.</p>
          </dd>
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
          <dt>Client ID</dt>
          <dd>
            <code>{source.client_id}</code>
          </dd>
          {preset.fields.map((field) => (
            <>
              <dt>{field.label}</dt>
              <dd>{field.secret ? (source.secrets_set.includes(field.name) ? <span class="muted">set (hidden)</span> : <span class="muted">not set</span>) : json(source.config[field.name] ?? '')}</dd>
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
          <dd>{Object.keys(source.claim_map).length ? json(source.claim_map) : <span class="muted">Standard claims</span>}</dd>
          <dt>Group mapping</dt>
          <dd>{json(source.group_map)}</dd>
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
      if (changes.fields.config && changes.fields.config.issuer !== current.config.issuer) await checkProvider(current.type, changes.fields.config);
      await updateSource(dbOf(c), c.env.KEY_ENCRYPTION_KEY, current.slug, changes);
      audit(c, { type: 'source.update', actor: actorOf(c), target: current.slug, detail: { fields: [...Object.keys(changes.fields), ...Object.keys(changes.secrets)] } });
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
  const attempt = newAttempt(source.slug, { test_by: actorOf(c) });
  try {
    const url = await clientFor(source, secrets, issuerOf(c)).authorizationUrl(attempt, forceLoginParams(source, true));
    await writeAttempt(c, c.env.KEY_ENCRYPTION_KEY, attempt, presetFor(source.type).response_mode === 'form_post');
    return c.redirect(url.href, 303);
  } catch (error) {
    const failure = error instanceof UpstreamError ? error : new UpstreamError('failed', 'The test could not start.', String(error));
    audit(c, { type: 'source.test', actor: actorOf(c), target: source.slug, detail: { ok: false, reason: failure.code } });
    return renderTestResult(c, source, { error: failure });
  }
});

function Json(props: { value: unknown; id?: string }) {
  return <pre id={props.id}>{JSON.stringify(props.value, null, 2)}</pre>;
}

/** The Test connection result page: what the provider sent, and what edge-sso makes of it. `admin` must be set on the context. */
export function renderTestResult(c: AppContext, source: IdentitySource, result: { error: UpstreamError } | { upstream: UpstreamProfile; mapped: MappedProfile }) {
  return c.html(
    <ConsolePage c={c} title={`Test connection: ${source.name}`}>
      <div class="card" id="test-result">
        {'error' in result ? (
          <>
            <h2>The test failed</h2>
            <div class="alert" role="alert">
              {result.error.message}
            </div>
            {result.error.detail && (
              <p>
                Detail: <code>{result.error.detail}</code>
              </p>
            )}
            <p class="muted">
              Check the client ID and secret, and that <code>{callbackUrl(issuerOf(c), source.slug)}</code> is registered at the provider as a redirect URI.
            </p>
          </>
        ) : (
          <>
            <h2>
              <span class="badge ok">Connected</span> {source.name} signed you in
            </h2>
            <p>Nobody was signed in or created: this is what a sign-in would use.</p>
            <h3>Upstream subject</h3>
            <p>
              <code id="test-subject">{result.upstream.subject}</code>
            </p>
            <h3>Mapped profile</h3>
            <Json value={result.mapped} id="test-mapped" />
            <h3>Claims received</h3>
            <Json value={result.upstream.raw} id="test-claims" />
          </>
        )}
        <p>
          <a class="button secondary inline" href={base(source.slug)}>
            Back to {source.name}
          </a>
        </p>
      </div>
    </ConsolePage>,
    'error' in result ? 400 : 200,
  );
}

// --- Pieces of the application pages -----------------------------------------------------------

/** The app form's "Primary identity source" choice. */
export async function IdentitySourceSelect(props: { c: ConsoleContext; value?: string; errors: Errors }) {
  const sources = await listSources(dbOf(props.c), props.c.env.KEY_ENCRYPTION_KEY);
  const options = [['', 'None: edge-sso’s login page'] as const, ...sources.map((s) => [s.slug, `${s.name} (${s.slug})${s.enabled ? '' : ', disabled'}`] as const)];
  return (
    <Select
      name="identity_source"
      label="Primary identity source"
      value={props.value ?? ''}
      options={options}
      errors={props.errors}
      hint="With a primary source, the SSO URL skips edge-sso’s login page and sends users straight to it."
    />
  );
}

/** The app page's rows for identity sources: the primary source, and the SSO URL that picks a source explicitly. */
export async function SourceUrls(props: { c: ConsoleContext; ssoUrl: string; primary: string | null }) {
  const sources = (await listSources(dbOf(props.c), props.c.env.KEY_ENCRYPTION_KEY)).filter((s) => s.enabled);
  const primary = sources.find((s) => s.slug === props.primary);
  return (
    <>
      <dt>Primary identity source</dt>
      <dd>{props.primary ? <a href={base(props.primary)}>{primary?.name ?? props.primary}</a> : <span class="muted">None: edge-sso’s login page</span>}</dd>
      <dt>SSO URL for external providers</dt>
      <dd>
        {sources.length === 0 ? (
          <span class="muted">
            Add an <a href="/admin/identity-sources">identity source</a> to get one.
          </span>
        ) : (
          sources.map((s) => <Copyable value={`${props.ssoUrl}?idp=${encodeURIComponent(s.slug)}`} label={`SSO URL for ${s.name}`} />)
        )}
        <p class="hint">{'The SSO URL with ?idp=<slug> sends users to that source, whatever the primary source.'}</p>
      </dd>
    </>
  );
}

// --- Linked identities, on the user page -------------------------------------------------------

const unlinkPath = (slug: string, userId: string, subject: string) =>
  `${base(slug)}/unlink?${new URLSearchParams({ user: userId, subject })}`;

/** The user page's "Linked identities": which upstream accounts sign in as this user, with Unlink. */
export async function LinkedIdentities(props: { c: ConsoleContext; userId: string }) {
  const identities = await listIdentities(dbOf(props.c), props.userId);
  if (identities.length === 0) return null;
  const date = (s: number) => new Date(s * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  return (
    <>
      <h2>Linked identities</h2>
      <div class="card table-wrap">
        <table id="linked-identities">
          <thead>
            <tr>
              <th>Source</th>
              <th>Upstream account</th>
              <th class="optional">Last sign-in</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {identities.map((i) => (
              <tr>
                <td>
                  <a href={base(i.source)}>{i.source}</a>
                </td>
                <td>
                  {i.email || <span class="muted">no email</span>} <code>{i.subject}</code>
                </td>
                <td class="optional">{date(i.lastSignInAt)}</td>
                <td>
                  <a class="button secondary small" href={unlinkPath(i.source, i.userId, i.subject)}>
                    Unlink
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

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

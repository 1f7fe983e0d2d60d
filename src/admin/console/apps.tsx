// Console: Applications. List, add, view (secret reveal and rotation), edit, delete,
// Test SSO and integration snippets. Validation is the admin API's (src/apps/input.ts).
import { AppMfaSelect } from './app-mfa';
import { Hono } from 'hono';
import type { App } from '../../apps/app';
import { appEndpoints, hasClientSecret, RESPONSE_MODES, SIGNING_ALGS, TOKEN_ENDPOINT_AUTH_METHODS } from '../../apps/app';
import { ATTRIBUTE_SOURCES, formatAttributeLines, parseAttributeLines } from '../../apps/attributes';
import { parseAppChanges, parseNewApp } from '../../apps/input';
import { resolveRedirect } from '../../apps/redirects';
import { loadServedApp } from '../../apps/served';
import { previousSecretExpiry, type ClientSecrets } from '../../apps/secrets';
import { createApp, deleteApp, getApp, listApps, updateApp } from '../../apps/store';
import { audit } from '../../audit/audit';
import { BRANDING_FIELDS, brandingToJson } from '../../branding/branding';
import { dbOf, issuerOf } from '../../http/context';
import { csrfToken } from '../../http/csrf';
import { changedOnly, isEmpty } from '../../lib/changes';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { nowSeconds } from '../../lib/time';
import { redirectUrlWith } from '../../sso/deliver';
import { activeSigningKey } from '../../tokens/keys';
import { mintIdToken } from '../../tokens/mint';
import { inspectIdToken } from '../../tokens/verify';
import { Checkbox, Copyable, ErrorSummary, Field, PostForm, SearchForm, Select, TextArea, type Errors } from '../../ui/components';
import { IdentitySourceSelect, SourceUrls } from './identity-source-parts';
import { ConfirmPage, ConsolePage, noticeFrom } from './layout';
import { actorOf, formText, type ConsoleContext, type ConsoleEnv } from './context';
import { addSecretRoutes, SecretDetails } from './app-secrets';
import { withResolvedAccess } from '../../access/input';
import { AccessFields, AccessSummary, accessFormValues, accessInput, ACCESS_FORM_FIELDS } from './app-access';
import { authlibSnippet, discoveryUrl, flaskSnippet, nodeSnippet, openidClientSnippet } from './snippets';

export const appPages = new Hono<ConsoleEnv>();

const ALG_OPTIONS = SIGNING_ALGS.map((alg) => [alg, { HS256: 'HS256: HMAC with the client secret', RS256: 'RS256: RSA key, verify with the JWKS', ES256: 'ES256: P-256 key, verify with the JWKS' }[alg]] as const);
const MODE_OPTIONS = RESPONSE_MODES.map(
  (mode) => [mode, { query: 'query: ?id_token=… on the redirect URL', fragment: 'fragment: #id_token=… (for browser apps)', form_post: 'form_post: an auto-submitted POST (keeps the token out of URLs)' }[mode]] as const,
);

const AUTH_METHOD_OPTIONS = TOKEN_ENDPOINT_AUTH_METHODS.map(
  (m) => [m, { client_secret_basic: 'client_secret_basic: secret in the Authorization header', client_secret_post: 'client_secret_post: secret in the form body', none: 'none: public client (SPA, mobile); PKCE required, no secret' }[m]] as const,
);

async function findApp(c: ConsoleContext): Promise<App> {
  const app = await getApp(dbOf(c), c.req.param('clientId')!);
  if (!app) throw new NotFoundError('No such application.');
  return app;
}

// --- The add/edit form -------------------------------------------------------------------------

type AppFormValues = Record<string, string>;

function formValuesOf(app: App): AppFormValues {
  return {
    name: app.name,
    description: app.description,
    redirect_urls: app.redirectUrls.join('\n'),
    logout_urls: app.logoutUrls.join('\n'),
    initiate_login_url: app.initiateLoginUrl,
    signing_alg: app.signingAlg,
    response_mode: app.responseMode,
    token_ttl_seconds: String(app.tokenTtlSeconds),
    attribute_map: formatAttributeLines(app.attributeMap),
    identity_source: app.identitySource ?? '',
    token_endpoint_auth_method: app.tokenEndpointAuthMethod,
    backchannel_logout_uri: app.backchannelLogoutUri ?? '',
    mfa: app.mfa ?? 'optional',
    require_pkce: app.requirePkce ? 'on' : '',
    ...Object.fromEntries(Object.entries(brandingToJson(app.branding)).map(([k, v]) => [`branding.${k}`, v])),
    ...accessFormValues(app),
  };
}

const FORM_FIELDS = ['name', 'description', 'redirect_urls', 'logout_urls', 'initiate_login_url', 'client_id', 'signing_alg', 'response_mode', 'token_ttl_seconds', 'attribute_map', 'identity_source', 'token_endpoint_auth_method', 'backchannel_logout_uri', 'mfa', 'require_pkce', ...Object.values(BRANDING_FIELDS).map((f) => `branding.${f}`), ...ACCESS_FORM_FIELDS];

function submittedValues(c: ConsoleContext): AppFormValues {
  return Object.fromEntries(FORM_FIELDS.map((name) => [name, formText(c, name)]));
}

/** Turns the form into the admin API's JSON input, so both go through the same validation. */
function toApiInput(values: AppFormValues, creating: boolean): { input: Record<string, unknown>; errors: Errors } {
  const errors: Errors = {};
  const attributeMap = parseAttributeLines(values.attribute_map ?? '');
  if (typeof attributeMap === 'string') errors.attribute_map = attributeMap;
  const ttl = values.token_ttl_seconds ?? '';
  const input: Record<string, unknown> = {
    name: values.name,
    description: values.description,
    redirect_urls: values.redirect_urls,
    logout_urls: values.logout_urls,
    initiate_login_url: values.initiate_login_url,
    signing_alg: values.signing_alg,
    response_mode: values.response_mode,
    token_ttl_seconds: ttl === '' ? undefined : /^\d+$/.test(ttl) ? Number(ttl) : ttl,
    attribute_map: typeof attributeMap === 'string' ? undefined : attributeMap,
    identity_source: values.identity_source || null,
    token_endpoint_auth_method: values.token_endpoint_auth_method || undefined,
    backchannel_logout_uri: values.backchannel_logout_uri ?? '',
    mfa: values.mfa || undefined,
    require_pkce: values.require_pkce === 'on',
    branding: Object.fromEntries(Object.values(BRANDING_FIELDS).map((f) => [f, values[`branding.${f}`] ?? ''])),
    access: accessInput(values),
  };
  if (creating && values.client_id) input.client_id = values.client_id;
  return { input, errors };
}

function AppForm(props: { c: ConsoleContext; action: string; values: AppFormValues; errors: Errors; creating: boolean }) {
  const { values, errors } = props;
  return (
    <PostForm action={props.action} csrf={csrfToken(props.c)} class="card">
      <ErrorSummary errors={errors} />
      <Field name="name" label="Name" value={values.name} errors={errors} required hint="Shown on the login page: “Sign in to continue to …”." />
      <TextArea name="description" label="Description" value={values.description} errors={errors} rows={2} />
      <TextArea
        name="redirect_urls"
        label="Redirect URLs"
        value={values.redirect_urls}
        errors={errors}
        rows={3}
        required
        hint="One per line (or separated by ;). https, or http on localhost. The first is the default; a request must match one exactly."
      />
      <TextArea name="logout_urls" label="Sign-out return URLs (optional)" value={values.logout_urls} errors={errors} rows={2} hint="Where /sso/logout may send users back to, besides the redirect URLs." />
      <Field
        name="initiate_login_url"
        label="Sign-in start URL (optional)"
        type="url"
        value={values.initiate_login_url}
        errors={errors}
        hint="Where My apps sends users to open this app; the app then starts its own sign-in. https, or http on localhost. Empty: the first redirect URL's origin."
      />
      {props.creating && <Field name="client_id" label="Client ID (optional)" value={values.client_id} errors={errors} hint="Leave empty to generate one. 3 to 64 letters, digits, . _ -" />}
      <Select name="signing_alg" label="Signing algorithm" value={values.signing_alg || 'HS256'} options={ALG_OPTIONS} errors={errors} />
      <Select name="response_mode" label="Token delivery" value={values.response_mode || 'query'} options={MODE_OPTIONS} errors={errors} />
      <Field name="token_ttl_seconds" label="Token lifetime (seconds)" type="number" value={values.token_ttl_seconds || '300'} errors={errors} hint="30 to 86400. Short is safer: the token is only a sign-in message." />
      <TextArea
        name="attribute_map"
        label="Attribute mapping (optional)"
        value={values.attribute_map}
        errors={errors}
        rows={3}
        placeholder="first_name = given_name"
        hint={`Extra claims, one “claim = field” per line. Fields: ${ATTRIBUTE_SOURCES.join(', ')}. The standard claims are always sent.`}
      />
      <IdentitySourceSelect c={props.c} value={values.identity_source} errors={errors} />
      <AccessFields c={props.c} values={values} errors={errors} />
      <AppMfaSelect value={values.mfa} errors={errors} />
      <fieldset>
        <legend>OpenID Connect</legend>
        <Select name="token_endpoint_auth_method" label="Token endpoint authentication" value={values.token_endpoint_auth_method || 'client_secret_basic'} options={AUTH_METHOD_OPTIONS} errors={errors} />
        <Checkbox name="require_pkce" label="Require PKCE (S256) in every authorization request" checked={values.require_pkce === 'on'} />
        <p class="hint">Recommended for every client (RFC 9700); a public client needs PKCE whether or not this is ticked. Untick only for a confidential client that cannot send it.</p>
        <Field name="backchannel_logout_uri" label="Back-channel logout URL (optional)" value={values.backchannel_logout_uri} errors={errors} hint="edge-sso POSTs a signed logout_token here when the user signs out. https, or http on localhost." />
      </fieldset>
      <fieldset>
        <legend>Login page branding for this app (empty fields use the global branding)</legend>
        <Field name="branding.product_name" label="Product name" value={values['branding.product_name']} errors={errors} />
        <Field name="branding.logo_url" label="Logo URL (https)" value={values['branding.logo_url']} errors={errors} />
        <Field name="branding.primary_color" label="Primary colour" value={values['branding.primary_color']} errors={errors} placeholder="#2456d6" />
        <Field name="branding.footer_text" label="Footer link text" value={values['branding.footer_text']} errors={errors} />
        <Field name="branding.footer_url" label="Footer link URL (https)" value={values['branding.footer_url']} errors={errors} />
      </fieldset>
      <div class="actions">
        <button type="submit" class="inline">
          {props.creating ? 'Create application' : 'Save changes'}
        </button>
        <a class="button secondary inline" href={props.creating ? '/admin/apps' : `/admin/apps/${encodeURIComponent(values.client_id ?? '')}`}>
          Cancel
        </a>
      </div>
    </PostForm>
  );
}

// --- List and add ------------------------------------------------------------------------------

appPages.get('/', async (c) => {
  const search = c.req.query('q')?.trim() ?? '';
  const { apps } = await listApps(dbOf(c), { search: search || undefined, limit: 100, offset: 0 });
  return c.html(
    <ConsolePage c={c} title="Applications" notice={noticeFrom(c)}>
      <div class="toolbar">
        <SearchForm action="/admin/apps" value={search} label="Search applications" placeholder="Name or client ID" />
        <a class="button inline" href="/admin/apps/new">
          Add application
        </a>
      </div>
      <div class="card table-wrap" role="region" aria-label="Applications" tabindex={0}>
        {apps.length === 0 ? (
          <p>{search ? 'No application matches.' : 'No applications yet. Add one to get its SSO URL.'}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Client ID</th>
                <th class="optional">Algorithm</th>
                <th class="optional">Delivery</th>
              </tr>
            </thead>
            <tbody>
              {apps.map((app) => (
                <tr>
                  <td>
                    <a href={`/admin/apps/${encodeURIComponent(app.clientId)}`}>{app.name}</a>
                  </td>
                  <td>
                    <code>{app.clientId}</code>
                  </td>
                  <td class="optional">{app.signingAlg}</td>
                  <td class="optional">{app.responseMode}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </ConsolePage>,
  );
});

appPages.get('/new', (c) =>
  c.html(
    <ConsolePage c={c} title="Add application">
      <AppForm c={c} action="/admin/apps/new" values={{ require_pkce: 'on' }} errors={{}} creating />
    </ConsolePage>,
  ),
);

/**
 * Runs the API's validation (`parse`) and then `save`; on failure re-renders the form with every
 * error next to its field: the form's own (an unreadable attribute line) and the API's together.
 */
async function saveForm<T>(
  c: ConsoleContext,
  creating: boolean,
  parse: (input: Record<string, unknown>) => T,
  save: (parsed: T) => Promise<Response>,
  render: (values: AppFormValues, errors: Errors) => Response | Promise<Response>,
) {
  const values = submittedValues(c);
  const { input, errors: formErrors } = toApiInput(values, creating);
  try {
    const parsed = parse(input);
    if (Object.keys(formErrors).length) return render(values, formErrors);
    return await save(parsed);
  } catch (error) {
    if (error instanceof ValidationError) return render(values, { ...error.fields, ...formErrors });
    if (error instanceof ConflictError) return render(values, { [error.field]: error.message });
    throw error;
  }
}

appPages.post('/new', (c) =>
  saveForm(
    c,
    true,
    parseNewApp,
    async (parsed) => {
      const { app } = await createApp(dbOf(c), c.env.KEY_ENCRYPTION_KEY, parsed);
      audit(c, { type: 'app.create', actor: actorOf(c), target: app.clientId, detail: { name: app.name } });
      return c.redirect(`/admin/apps/${encodeURIComponent(app.clientId)}?notice=created`, 303);
    },
    (values, errors) =>
      c.html(
        <ConsolePage c={c} title="Add application">
          <AppForm c={c} action="/admin/apps/new" values={values} errors={errors} creating />
        </ConsolePage>,
        400,
      ),
  ),
);

// --- One application ---------------------------------------------------------------------------

function AppTabs(props: { app: App; current: 'overview' | 'test' | 'integration' }) {
  const base = `/admin/apps/${encodeURIComponent(props.app.clientId)}`;
  const tab = (href: string, label: string, key: typeof props.current) => (
    <a href={href} aria-current={props.current === key ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <nav class="tabs" aria-label="Application">
      {tab(base, 'Overview', 'overview')}
      {tab(`${base}/test`, 'Test SSO', 'test')}
      {tab(`${base}/integration`, 'Integration', 'integration')}
    </nav>
  );
}

/** The overview; after a Reveal POST, `revealed` holds the plain secrets to show. */
async function overviewPage(c: ConsoleContext, app: App, revealed?: ClientSecrets) {
  const base = `/admin/apps/${encodeURIComponent(app.clientId)}`;
  const previousExpiresAt = revealed ? null : await previousSecretExpiry(dbOf(c), app.clientId);
  const endpoints = appEndpoints(issuerOf(c), app.clientId);
  const key = app.signingAlg === 'HS256' ? null : await activeSigningKey(c.env, app.signingAlg);
  return c.html(
    <ConsolePage c={c} title={app.name} notice={noticeFrom(c)}>
      <AppTabs app={app} current="overview" />
      <div class="card">
        <dl class="details">
          <dt>Client ID</dt>
          <dd>
            <Copyable value={app.clientId} label="client ID" id="client-id" />
          </dd>
          <SecretDetails c={c} app={app} revealed={revealed} previousExpiresAt={previousExpiresAt} />
          <dt>SSO URL</dt>
          <dd>
            <Copyable value={endpoints.sso_url} label="SSO URL" id="sso-url" />
          </dd>
          <SourceUrls c={c} ssoUrl={endpoints.sso_url} primary={app.identitySource} />
          <AccessSummary c={c} app={app} />
          <dt>Logout URL</dt>
          <dd>
            <Copyable value={endpoints.logout_url} label="logout URL" />
          </dd>
          <dt>JWKS URL</dt>
          <dd>
            <Copyable value={endpoints.jwks_uri} label="JWKS URL" />
          </dd>
          <dt>Issuer (iss)</dt>
          <dd>
            <code>{issuerOf(c)}</code>
          </dd>
          <dt>Signing</dt>
          <dd>
            {app.signingAlg}
            {key && (
              <>
                {' · key '}
                <code>{key.kid}</code>
                {' · '}
                <a href={`/admin/keys/${encodeURIComponent(key.kid)}.pem`} download={`edge-sso-${app.signingAlg}-${key.kid}.pem`}>
                  Download public key (PEM)
                </a>
              </>
            )}
          </dd>
          <dt>Token delivery</dt>
          <dd>{app.responseMode}</dd>
          <dt>Token lifetime</dt>
          <dd>{app.tokenTtlSeconds} seconds</dd>
          <dt>Redirect URLs</dt>
          <dd>
            <ul class="urls">
              {app.redirectUrls.map((u) => (
                <li class="url">{u}</li>
              ))}
            </ul>
          </dd>
          {app.logoutUrls.length > 0 && (
            <>
              <dt>Sign-out return URLs</dt>
              <dd>
                <ul class="urls">
                  {app.logoutUrls.map((u) => (
                    <li class="url">{u}</li>
                  ))}
                </ul>
              </dd>
            </>
          )}
          <dt>Attribute mapping</dt>
          <dd>{Object.keys(app.attributeMap).length ? <pre>{formatAttributeLines(app.attributeMap)}</pre> : <span class="muted">Standard claims only</span>}</dd>
          {app.description && (
            <>
              <dt>Description</dt>
              <dd>{app.description}</dd>
            </>
          )}
        </dl>
        <div class="actions">
          <a class="button inline" href={`${base}/edit`}>
            Edit
          </a>
          {hasClientSecret(app) && (
            <a class="button secondary inline" href={`${base}/rotate-secret`}>
              Rotate secret
            </a>
          )}
          <a class="button danger inline" href={`${base}/delete`}>
            Delete
          </a>
        </div>
      </div>
    </ConsolePage>,
  );
}

appPages.get('/:clientId', async (c) => overviewPage(c, await findApp(c)));
addSecretRoutes(appPages, findApp, overviewPage);

appPages.get('/:clientId/edit', async (c) => {
  const app = await findApp(c);
  return c.html(
    <ConsolePage c={c} title={`Edit ${app.name}`}>
      <AppForm c={c} action={`/admin/apps/${encodeURIComponent(app.clientId)}/edit`} values={{ ...formValuesOf(app), client_id: app.clientId }} errors={{}} creating={false} />
    </ConsolePage>,
  );
});

appPages.post('/:clientId/edit', async (c) => {
  const app = await findApp(c);
  const action = `/admin/apps/${encodeURIComponent(app.clientId)}/edit`;
  return saveForm(
    c,
    false,
    parseAppChanges,
    async (parsed) => {
      const changes = changedOnly(app, await withResolvedAccess(dbOf(c), parsed));
      if (isEmpty(changes)) return c.redirect(`/admin/apps/${encodeURIComponent(app.clientId)}?notice=no_changes`, 303);
      await updateApp(dbOf(c), app.clientId, changes);
      audit(c, { type: 'app.update', actor: actorOf(c), target: app.clientId, detail: { fields: Object.keys(changes) } });
      return c.redirect(`/admin/apps/${encodeURIComponent(app.clientId)}?notice=saved`, 303);
    },
    (values, errors) =>
      c.html(
        <ConsolePage c={c} title={`Edit ${app.name}`}>
          <AppForm c={c} action={action} values={{ ...values, client_id: app.clientId }} errors={errors} creating={false} />
        </ConsolePage>,
        400,
      ),
  );
});

appPages.get('/:clientId/delete', async (c) => {
  const app = await findApp(c);
  const base = `/admin/apps/${encodeURIComponent(app.clientId)}`;
  return c.html(
    <ConfirmPage
      c={c}
      title={`Delete ${app.name}?`}
      message={`Users will no longer be able to sign in to ${app.name} through edge-sso, and its SSO URL will stop working. This cannot be undone.`}
      action={`${base}/delete`}
      button="Delete application"
      back={base}
      csrf={csrfToken(c)}
    />,
  );
});

appPages.post('/:clientId/delete', async (c) => {
  const app = await findApp(c);
  await deleteApp(dbOf(c), app.clientId);
  audit(c, { type: 'app.delete', actor: actorOf(c), target: app.clientId, detail: { name: app.name } });
  return c.redirect('/admin/apps?notice=deleted', 303);
});

// --- Test SSO ----------------------------------------------------------------------------------

function Json(props: { value: unknown }) {
  return <pre>{JSON.stringify(props.value, null, 2)}</pre>;
}

/** GET shows the form; only the CSRF-checked POST runs the test (it mints a token and is audited). */
async function testPage(c: ConsoleContext, run: boolean) {
  const app = await findApp(c);
  const base = `/admin/apps/${encodeURIComponent(app.clientId)}`;
  const requested = run ? formText(c, 'redirect_uri') : undefined;
  let result = null;
  if (run) {
    const resolved = resolveRedirect(app.redirectUrls, requested === '' ? undefined : requested);
    if (!resolved.ok) {
      result = (
        <div class="card">
          <h2>Redirect URL rejected</h2>
          <div class="alert" role="alert">
            edge-sso would show an error page and not redirect: <span class="url">{requested}</span> is not registered for this app.
          </div>
          <p>{resolved.explanation}</p>
        </div>
      );
    } else {
      const served = (await loadServedApp(c.env, app.clientId))!;
      const state = 'test-sso';
      const token = await mintIdToken(c.env, served, c.get('admin'), issuerOf(c));
      const inspection = await inspectIdToken(c.env, app, token, issuerOf(c));
      audit(c, { type: 'app.test', actor: actorOf(c), target: app.clientId });
      const exp = typeof inspection.claims.exp === 'number' ? inspection.claims.exp : 0;
      result = (
        <div class="card" id="test-result">
          <h2>What {app.name} would receive</h2>
          <dl class="details">
            <dt>Delivery</dt>
            <dd>
              {app.responseMode === 'form_post' ? (
                <>
                  A POST to <span class="url">{resolved.url}</span> with the form fields <code>id_token</code> and <code>state</code>
                </>
              ) : (
                <span class="url">{redirectUrlWith(app.responseMode, resolved.url, { id_token: token, state })}</span>
              )}
            </dd>
            <dt>Signature</dt>
            <dd id="signature-check">
              {inspection.error ? (
                <span class="badge warn">Not valid: {inspection.error}</span>
              ) : (
                <span class="badge ok">Valid {app.signingAlg} signature; iss, aud and exp check out</span>
              )}
            </dd>
            <dt>Time left</dt>
            <dd>{Math.max(0, exp - nowSeconds())} seconds (expires {new Date(exp * 1000).toISOString()})</dd>
            <dt>Header</dt>
            <dd>
              <Json value={inspection.header} />
            </dd>
            <dt>Claims</dt>
            <dd id="claims">
              <Json value={inspection.claims} />
            </dd>
            <dt>Token</dt>
            <dd>
              <Copyable value={token} label="token" />
            </dd>
          </dl>
        </div>
      );
    }
  }
  return c.html(
    <ConsolePage c={c} title={app.name}>
      <AppTabs app={app} current="test" />
      <PostForm action={`${base}/test`} csrf={csrfToken(c)} class="card">
        <p>Runs the sign-in for you ({c.get('admin').profile.email}) with this app's settings, and shows the token the app would receive and whether it verifies.</p>
        <Field
          name="redirect_uri"
          label="Redirect URL"
          value={requested ?? app.redirectUrls[0] ?? ''}
          hint={`Registered: ${app.redirectUrls.join(', ')}. Try another URL to see why it would be rejected.`}
        />
        <button type="submit" class="inline">
          Run Test SSO
        </button>
      </PostForm>
      {result}
    </ConsolePage>,
  );
}

appPages.get('/:clientId/test', (c) => testPage(c, false));
appPages.post('/:clientId/test', (c) => {
  c.header('Cache-Control', 'no-store');
  return testPage(c, true);
});

// --- Integration -------------------------------------------------------------------------------

appPages.get('/:clientId/integration', async (c) => {
  const app = await findApp(c);
  const values = { issuer: issuerOf(c), app };
  return c.html(
    <ConsolePage c={c} title={app.name}>
      <AppTabs app={app} current="integration" />
      <div class="card">
        <h2>Flask</h2>
        <p>
          Copy <code>examples/flask/edge_sso.py</code> from the edge-sso repository into your app (it needs Flask and PyJWT{app.signingAlg === 'HS256' ? '' : ' with cryptography'}), then:
        </p>
        <pre id="flask-snippet">{flaskSnippet(values)}</pre>
        <button type="button" class="secondary small" data-copy={flaskSnippet(values)}>
          Copy Flask snippet
        </button>
      </div>
      <div class="card">
        <h2>Node.js with jose</h2>
        <pre id="node-snippet">{nodeSnippet(values)}</pre>
        <button type="button" class="secondary small" data-copy={nodeSnippet(values)}>
          Copy Node snippet
        </button>
      </div>
      <div class="card">
        <h2>OpenID Connect</h2>
        <p>
          Any OIDC client library works with this app's client ID and the discovery URL <code id="discovery-url">{discoveryUrl(values.issuer)}</code>.
        </p>
        <h3>Flask with Authlib</h3>
        <pre id="authlib-snippet">{authlibSnippet(values)}</pre>
        <button type="button" class="secondary small" data-copy={authlibSnippet(values)}>
          Copy Authlib snippet
        </button>
        <h3>Node.js with openid-client</h3>
        <pre id="openid-client-snippet">{openidClientSnippet(values)}</pre>
        <button type="button" class="secondary small" data-copy={openidClientSnippet(values)}>
          Copy openid-client snippet
        </button>
      </div>
    </ConsolePage>,
  );
});

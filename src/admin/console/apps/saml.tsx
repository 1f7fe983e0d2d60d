// Console: SAML apps. Add one (paste the SP's metadata, or type its entity ID and ACS URL), see
// what to give the SP (edge-sso's metadata URL, entity ID, SSO URL), and edit its settings.
// Validation is the admin API's (src/saml/input.ts). Mounted before ./apps.tsx: the overview and
// edit pages of a SAML app are these; every other app falls through to the OIDC pages.
import { Hono } from 'hono';
import type { Next } from 'hono';
import type { App } from '../../../apps/app';
import { NAME_ID_FORMAT_NAMES, SAML_ATTRIBUTES, samlEndpoints, SAML_PATHS, SIGNED_PARTS } from '../../../apps/saml';
import { createApp, getApp, updateApp } from '../../../apps/store';
import { withResolvedAccess } from '../../../policy/access-input';
import { audit } from '../../../audit/audit';
import { dbOf, issuerOf } from '../../../http/context';
import { csrfToken } from '../../../http/csrf';
import { changedOnly, isEmpty } from '../../../lib/changes';
import { ConflictError, ValidationError } from '../../../lib/errors';
import { parseNewSamlApp, parseSamlAppChanges } from '../../../saml/input';
import { Copyable, ErrorSummary, Field, PostForm, Select, TextArea, type Errors } from '../../../ui/components';
import { AccessFields, AccessSummary, accessFormValues, accessInput, ACCESS_FORM_FIELDS } from './access';
import { AppMfaSelect } from './mfa';
import { actorOf, formText, type ConsoleContext, type ConsoleEnv } from '../context';
import { IdentitySourceSelect } from '../identity-sources/parts';
import { ConsolePage, noticeFrom } from '../layout';
import { keyring } from '../../../lib/secret-box';
import { fieldChanges } from '../../../audit/changes';

export const samlAppPages = new Hono<ConsoleEnv>();
export const NEW_SAML_APP_PATH = '/admin/apps/new-saml';

const FORMAT_OPTIONS = NAME_ID_FORMAT_NAMES.map(
  (f) => [f, { email: 'email: the user’s email address', persistent: 'persistent: a stable pseudonym for this app', transient: 'transient: new at every sign-in', unspecified: 'unspecified: the user’s edge-sso id' }[f]] as const,
);
const SIGN_OPTIONS = SIGNED_PARTS.map((p) => [p, { assertion: 'the assertion (most SPs)', response: 'the whole Response', both: 'both' }[p]] as const);
const FIELDS = ['name', 'description', 'metadata_xml', 'entity_id', 'acs_url', 'name_id_format', 'sign', 'identity_source', 'mfa', ...SAML_ATTRIBUTES.map((a) => `attr.${a}`), ...ACCESS_FORM_FIELDS];

type Values = Record<string, string>;

function valuesOf(app: App): Values {
  const saml = app.saml!;
  return {
    name: app.name,
    description: app.description,
    entity_id: saml.entityId,
    acs_url: app.redirectUrls.join('\n'),
    name_id_format: saml.nameIdFormat,
    sign: saml.sign,
    identity_source: app.identitySource ?? '',
    mfa: app.mfa ?? 'optional',
    ...Object.fromEntries(SAML_ATTRIBUTES.map((a) => [`attr.${a}`, saml.attributeNames[a]])),
    ...accessFormValues(app),
  };
}

/** The form as the admin API's JSON. Pasted metadata wins over typed entity ID and ACS URL. */
function toApiInput(values: Values, creating: boolean): Record<string, unknown> {
  const saml: Record<string, unknown> = values.metadata_xml?.trim()
    ? { metadata_xml: values.metadata_xml }
    : { ...(values.entity_id || creating ? { entity_id: values.entity_id } : {}), ...(values.acs_url || creating ? { acs_url: values.acs_url } : {}) };
  if (values.name_id_format) saml.name_id_format = values.name_id_format;
  if (values.sign) saml.sign = values.sign;
  saml.attribute_map = Object.fromEntries(SAML_ATTRIBUTES.map((a) => [a, values[`attr.${a}`] ?? '']));
  return {
    ...(creating ? { type: 'saml' } : {}),
    name: values.name,
    description: values.description,
    saml,
    identity_source: values.identity_source || null,
    mfa: values.mfa || undefined,
    access: accessInput(values),
  };
}

/** API field names (saml.metadata_xml) → the form's (metadata_xml, attr.email). */
function formErrors(errors: Record<string, string>): Errors {
  return Object.fromEntries(Object.entries(errors).map(([key, message]) => [key.replace(/^saml\.attribute_map$/, 'attr.email').replace(/^saml\./, ''), message]));
}

function SamlForm(props: { c: ConsoleContext; action: string; values: Values; errors: Errors; creating: boolean; back: string }) {
  const { values, errors } = props;
  return (
    <PostForm action={props.action} csrf={csrfToken(props.c)} class="card">
      <ErrorSummary errors={errors} />
      <Field name="name" label="Name" value={values.name} errors={errors} required hint="Shown on the login page and in My apps." />
      <TextArea name="description" label="Description" value={values.description} errors={errors} rows={2} />
      <fieldset>
        <legend>The service provider</legend>
        <TextArea
          name="metadata_xml"
          label="SP metadata (paste the XML)"
          value={values.metadata_xml}
          errors={errors}
          rows={6}
          hint="Its entity ID, ACS URLs and request-signing certificate are read from it. Or leave it empty and type the two fields below."
        />
        <Field name="entity_id" label="Entity ID" value={values.entity_id} errors={errors} hint="The SP’s Issuer, and the Audience of every assertion." />
        <TextArea name="acs_url" label="Assertion consumer service URL(s)" value={values.acs_url} errors={errors} rows={2} hint="One per line; the first is the default. https, or http on localhost. An assertion is only ever posted to one of these." />
      </fieldset>
      <Select name="name_id_format" label="NameID" value={values.name_id_format || 'email'} options={FORMAT_OPTIONS} errors={errors} hint="Used unless the SP’s request asks for email or persistent." />
      <Select name="sign" label="Sign" value={values.sign || 'assertion'} options={SIGN_OPTIONS} errors={errors} hint="RSA-SHA256 with exclusive canonicalization." />
      <fieldset>
        <legend>Attribute names (empty: not sent)</legend>
        {SAML_ATTRIBUTES.map((a) => (
          <Field name={`attr.${a}`} label={a} value={values[`attr.${a}`] ?? (props.creating ? a : '')} errors={errors} />
        ))}
      </fieldset>
      <IdentitySourceSelect c={props.c} value={values.identity_source} errors={errors} />
      <AccessFields c={props.c} values={values} errors={errors} />
      <AppMfaSelect value={values.mfa} errors={errors} />
      <div class="actions">
        <button type="submit" class="inline">
          {props.creating ? 'Create SAML app' : 'Save changes'}
        </button>
        <a class="button secondary inline" href={props.back}>
          Cancel
        </a>
      </div>
    </PostForm>
  );
}

const submitted = (c: ConsoleContext): Values => Object.fromEntries(FIELDS.map((name) => [name, formText(c, name)]));

/** Saves, or re-renders the form with every error of the API's validation next to its field. */
async function saved(render: (errors: Errors) => Response | Promise<Response>, save: () => Promise<Response>) {
  try {
    return await save();
  } catch (error) {
    if (error instanceof ValidationError) return render(formErrors(error.fields));
    if (error instanceof ConflictError) return render(formErrors({ [error.field]: error.message }));
    throw error;
  }
}

samlAppPages.get('/new-saml', (c) =>
  c.html(
    <ConsolePage c={c} title="Add SAML app">
      <SamlForm c={c} action={NEW_SAML_APP_PATH} values={{}} errors={{}} creating back="/admin/apps" />
    </ConsolePage>,
  ),
);

samlAppPages.post('/new-saml', (c) => {
  const values = submitted(c);
  const render = (errors: Errors) =>
    c.html(
      <ConsolePage c={c} title="Add SAML app">
        <SamlForm c={c} action={NEW_SAML_APP_PATH} values={values} errors={errors} creating back="/admin/apps" />
      </ConsolePage>,
      400,
    );
  return saved(render, async () => {
    const { app } = await createApp(dbOf(c), keyring(c.env), await parseNewSamlApp(toApiInput(values, true)));
    audit(c, { type: 'app.create', actor: actorOf(c), target: app.clientId, detail: { name: app.name, type: 'saml' } });
    return c.redirect(`/admin/apps/${encodeURIComponent(app.clientId)}?notice=created`, 303);
  });
});

/** Runs `page` for a SAML app; any other app goes on to the OIDC pages. */
const samlOnly = (page: (c: ConsoleContext, app: App) => Promise<Response>) => async (c: ConsoleContext, next: Next) => {
  const app = await getApp(dbOf(c), c.req.param('clientId')!);
  if (!app?.saml) return next();
  return page(c, app);
};

samlAppPages.get(
  '/:clientId',
  samlOnly(async (c, app) => {
    const saml = app.saml!;
    const idp = samlEndpoints(issuerOf(c));
    const base = `/admin/apps/${encodeURIComponent(app.clientId)}`;
    return c.html(
      <ConsolePage c={c} title={app.name} notice={noticeFrom(c)}>
        <div class="card">
          <h2>Give the service provider</h2>
          <Copyable label="IdP metadata URL" value={idp.metadata_url} />
          <Copyable label="IdP entity ID (Issuer)" value={idp.idp_entity_id} />
          <Copyable label="SSO URL (HTTP-Redirect and HTTP-POST)" value={idp.sso_url} />
          <p class="muted">The signing certificate is in the metadata; it changes when the RS256 key is rotated (Keys), and the metadata lists the next one ahead.</p>
        </div>
        <div class="card">
          <dl class="details">
            <dt>Type</dt>
            <dd>SAML app</dd>
            <dt>SP entity ID</dt>
            <dd>
              <code>{saml.entityId}</code>
            </dd>
            <dt>ACS URLs</dt>
            <dd>
              <ul class="urls">
                {app.redirectUrls.map((url) => (
                  <li class="url">{url}</li>
                ))}
              </ul>
            </dd>
            <dt>NameID</dt>
            <dd>{saml.nameIdFormat}</dd>
            <dt>Signed</dt>
            <dd>{saml.sign}</dd>
            <dt>Signed requests</dt>
            <dd>{saml.requestsSigned ? `required (${saml.certificates.length} certificate(s) from the SP’s metadata)` : 'not required'}</dd>
            <dt>Attributes</dt>
            <dd>
              {SAML_ATTRIBUTES.filter((a) => saml.attributeNames[a])
                .map((a) => `${a} → ${saml.attributeNames[a]}`)
                .join(', ') || 'none'}
            </dd>
            <dt>Access</dt>
            <dd>
              <AccessSummary c={c} app={app} />
            </dd>
            <dt>IdP-initiated sign-in</dt>
            <dd>
              <code>{`${SAML_PATHS.launch}/${app.clientId}`}</code> (My apps links here)
            </dd>
          </dl>
          <div class="actions">
            <a class="button inline" href={`${base}/edit`}>
              Edit
            </a>
            <a class="button secondary inline" href={`${base}/delete`}>
              Delete
            </a>
          </div>
        </div>
      </ConsolePage>,
    );
  }),
);

const editPage = (c: ConsoleContext, app: App, values: Values, errors: Errors, status: 200 | 400 = 200) =>
  c.html(
    <ConsolePage c={c} title={`Edit ${app.name}`}>
      <SamlForm c={c} action={`/admin/apps/${encodeURIComponent(app.clientId)}/edit`} values={values} errors={errors} creating={false} back={`/admin/apps/${encodeURIComponent(app.clientId)}`} />
    </ConsolePage>,
    status,
  );

samlAppPages.get(
  '/:clientId/edit',
  samlOnly(async (c, app) => editPage(c, app, valuesOf(app), {})),
);

samlAppPages.post(
  '/:clientId/edit',
  samlOnly(async (c, app) => {
    const values = submitted(c);
    return saved((errors) => editPage(c, app, values, errors, 400), async () => {
      const parsed = await withResolvedAccess(dbOf(c), await parseSamlAppChanges(toApiInput(values, false)));
      const changes = changedOnly(app, parsed);
      if (isEmpty(changes)) return c.redirect(`/admin/apps/${encodeURIComponent(app.clientId)}?notice=no_changes`, 303);
      await updateApp(dbOf(c), app.clientId, changes);
      audit(c, { type: 'app.update', actor: actorOf(c), target: app.clientId, detail: { changes: fieldChanges(app, changes) } });
      return c.redirect(`/admin/apps/${encodeURIComponent(app.clientId)}?notice=saved`, 303);
    });
  }),
);

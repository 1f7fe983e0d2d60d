// Console: the application add/edit form. Its values go through the admin API's validation
// (src/apps/input.ts), so the form and the API accept and refuse the same things.
import { AppMfaSelect } from './mfa';
import type { App } from '../../../apps/app';
import { RESPONSE_MODES, SIGNING_ALGS, TOKEN_ENDPOINT_AUTH_METHODS } from '../../../apps/app';
import type { AppKind } from '../../../db/schema';
import { hiddenFieldsOf, kindAlgs } from './kinds';
import { ATTRIBUTE_SOURCES, formatAttributeLines, parseAttributeLines } from '../../../apps/attributes';
import { BRANDING_FIELDS, brandingToJson } from '../../../policy/branding';
import { csrfToken } from '../../../http/csrf';
import { ConflictError, ValidationError } from '../../../lib/errors';
import { Checkbox, ErrorSummary, Field, PostForm, Select, TextArea, type Errors } from '../../../ui/components';
import { IdentitySourceSelect } from '../identity-sources/parts';
import { formText, type ConsoleContext } from '../context';
import { AccessFields, accessFormValues, accessInput, ACCESS_FORM_FIELDS } from './access';

export const ALG_OPTIONS = SIGNING_ALGS.map((alg) => [alg, { HS256: 'HS256: HMAC with the client secret', RS256: 'RS256: RSA key, verify with the JWKS', ES256: 'ES256: P-256 key, verify with the JWKS' }[alg]] as const);
export const MODE_OPTIONS = RESPONSE_MODES.map(
  (mode) => [mode, { query: 'query: ?id_token=… on the redirect URL', fragment: 'fragment: #id_token=… (for browser apps)', form_post: 'form_post: an auto-submitted POST (keeps the token out of URLs)' }[mode]] as const,
);

export const AUTH_METHOD_OPTIONS = TOKEN_ENDPOINT_AUTH_METHODS.map(
  (m) => [m, { client_secret_basic: 'client_secret_basic: secret in the Authorization header', client_secret_post: 'client_secret_post: secret in the form body', none: 'none: public client (SPA, mobile); PKCE required, no secret' }[m]] as const,
);
export type AppFormValues = Record<string, string>;

export function formValuesOf(app: App): AppFormValues {
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

/**
 * Turns the form into the admin API's JSON input, so both go through the same validation. The
 * fields the app's kind does not show are left out (a new app gets the API's default for them).
 */
function toApiInput(values: AppFormValues, creating: boolean, kind: AppKind | null): { input: Record<string, unknown>; errors: Errors } {
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
  for (const name of hiddenFieldsOf(kind)) delete input[name];
  if (creating && kind) input.kind = kind;
  return { input, errors };
}

/** The form of an app of `kind` (null: an app of no stated kind, with every JWT SSO and OIDC field). */
export function AppForm(props: { c: ConsoleContext; action: string; values: AppFormValues; errors: Errors; creating: boolean; kind: AppKind | null }) {
  const { values, errors, kind } = props;
  const shows = (name: string) => !hiddenFieldsOf(kind).includes(name);
  const oidc = kind === 'oidc_web' || kind === 'oidc_public';
  return (
    <PostForm action={props.action} csrf={csrfToken(props.c)} class="card">
      {props.creating && kind && <input type="hidden" name="kind" value={kind} />}
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
        hint={`${oidc ? 'The app’s callback URLs (its redirect_uri). ' : ''}One per line (or separated by ;). https, or http on localhost. The first is the default; a request must match one exactly.`}
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
      <Select
        name="signing_alg"
        label="Signing algorithm"
        value={values.signing_alg || kindAlgs(kind)[0]}
        options={ALG_OPTIONS.filter(([alg]) => kindAlgs(kind).includes(alg))}
        errors={errors}
        hint={kind === 'oidc_public' ? 'A public client has no secret, so its tokens are signed with the issuer’s key and verified with the JWKS.' : undefined}
      />
      {shows('response_mode') && <Select name="response_mode" label="Token delivery" value={values.response_mode || 'query'} options={MODE_OPTIONS} errors={errors} />}
      <Field name="token_ttl_seconds" label={oidc ? 'ID token lifetime (seconds)' : 'Token lifetime (seconds)'} type="number" value={values.token_ttl_seconds || '300'} errors={errors} hint="30 to 86400. Short is safer: the token is only a sign-in message." />
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
      {kind === 'oidc_public' && (
        <fieldset>
          <legend>OpenID Connect (public client)</legend>
          <p class="hint" id="public-client">
            No client secret: token endpoint authentication is “none”, and every authorization request must carry PKCE (S256).
          </p>
        </fieldset>
      )}
      {shows('token_endpoint_auth_method') && (
        <fieldset>
          <legend>OpenID Connect</legend>
          <Select
            name="token_endpoint_auth_method"
            label="Token endpoint authentication"
            value={values.token_endpoint_auth_method || 'client_secret_basic'}
            options={kind === 'oidc_web' ? AUTH_METHOD_OPTIONS.filter(([m]) => m !== 'none') : AUTH_METHOD_OPTIONS}
            errors={errors}
          />
          <Checkbox name="require_pkce" label="Require PKCE (S256) in every authorization request" checked={values.require_pkce === 'on'} />
          <p class="hint">Recommended for every client (RFC 9700); a public client needs PKCE whether or not this is ticked. Untick only for a confidential client that cannot send it.</p>
          <Field name="backchannel_logout_uri" label="Back-channel logout URL (optional)" value={values.backchannel_logout_uri} errors={errors} hint="edge-sso POSTs a signed logout_token here when the user signs out. https, or http on localhost." />
        </fieldset>
      )}
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

/**
 * Runs the API's validation (`parse`) and then `save`; on failure re-renders the form with every
 * error next to its field: the form's own (an unreadable attribute line) and the API's together.
 */
export async function saveForm<T>(
  c: ConsoleContext,
  form: { creating: boolean; kind: AppKind | null },
  parse: (input: Record<string, unknown>) => T,
  save: (parsed: T) => Promise<Response>,
  render: (values: AppFormValues, errors: Errors) => Response | Promise<Response>,
) {
  const values = submittedValues(c);
  const { input, errors: formErrors } = toApiInput(values, form.creating, form.kind);
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

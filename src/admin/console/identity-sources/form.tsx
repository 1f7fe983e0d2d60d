// The console's form for an identity source: the common settings, the preset's own fields
// (secrets as password fields, kept when left empty on edit), claim and group mapping. Validation
// is the admin API's (src/federation/input.ts), shown next to each field.
import { formFieldNames, renameField, renameRows, type SourceFormValues, toApiInput } from '../../../federation/form';
import { callbackUrl } from '../../../federation/client';
import { PROVISIONING, slugFrom } from '../../../federation/input';
import { presetFor } from '../../../federation/registry';
import { CLAIM_MAP_FIELDS, type SourceType } from '../../../federation/types';
import { raw } from 'hono/html';
import { csrfToken } from '../../../http/csrf';
import { issuerOf } from '../../../http/context';
import { SLUG_PATTERN } from '../../../lib/slug';
import { IDENTITY_PROVIDER_GUIDE } from '../docs';
import { ConflictError, ValidationError } from '../../../lib/errors';
import { Checkbox, ErrorSummary, Field, PostForm, Select, TextArea, type Errors } from '../../../ui/components';
import { formText, type ConsoleContext } from '../context';

const PROVISIONING_OPTIONS = PROVISIONING.map((p) => [p, p === 'create' ? 'Create the user at the first sign-in' : 'Only users who already exist in edge-sso'] as const);

export function SourceForm(props: { c: ConsoleContext; type: SourceType; action: string; values: SourceFormValues; errors: Errors; creating: boolean; cancel: string }) {
  const { values, errors, type } = props;
  const preset = presetFor(type);
  // Directories and SAML IdPs have no OAuth client registration upstream: no client ID, no scopes.
  const redirectFlow = preset.protocol.kind === 'oidc' || preset.protocol.kind === 'oauth2';
  return (
    <PostForm action={props.action} csrf={csrfToken(props.c)} class="card">
      <ErrorSummary errors={errors} />
      <p class="muted">
        Type: <strong>{preset.label}</strong>
        {' · '}
        <a href={`${IDENTITY_PROVIDER_GUIDE}#${type}`} id="guide-link">
          edge-sso’s guide for {preset.label}
        </a>
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
      {props.creating && redirectFlow && <CallbackPreview c={props.c} values={values} label={preset.label} />}
      {redirectFlow && <Field name="client_id" label="Client ID" value={values.client_id} errors={errors} required hint="From the app you registered at the provider." />}
      {preset.fields.map((field) =>
        field.kind === 'boolean' ? (
          <Checkbox name={field.name} label={`${field.label}${field.help ? ` — ${field.help}` : ''}`} checked={values[field.name] === 'on'} />
        ) : field.kind === 'multiline' || field.kind === 'list' ? (
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
            type={field.secret ? 'password' : field.kind === 'url' ? 'url' : field.kind === 'integer' ? 'number' : 'text'}
            value={field.secret ? '' : values[field.name]}
            errors={errors}
            required={field.required && (props.creating || !field.secret)}
            autocomplete={field.secret ? 'off' : undefined}
            hint={[field.help, field.secret && !props.creating ? 'Leave empty to keep the stored value.' : ''].filter(Boolean).join(' ') || undefined}
          />
        ),
      )}
      {redirectFlow && <Field name="scopes" label="Scopes" value={values.scopes ?? preset.default_scopes.join(' ')} errors={errors} hint="Separated by spaces." />}
      <Checkbox name="enabled" label="Enabled" checked={values.enabled !== ''} />
      <Checkbox name="show_on_login_page" label="Show “Continue with …” on the login page" checked={values.show_on_login_page !== ''} />
      <Select name="provisioning" label="Provisioning" value={values.provisioning || 'create'} options={PROVISIONING_OPTIONS} errors={errors} />
      <TextArea name="allowed_domains" label="Allowed email domains (optional)" value={values.allowed_domains} errors={errors} rows={2} placeholder="example.com" hint="One per line. When set, only verified emails of these domains may sign in through this source." />
      <Checkbox name="trust_email_for_linking" label="Link a first sign-in to an existing edge-sso account with the same email, when the provider says the email is verified" checked={values.trust_email_for_linking === 'on'} />
      <p class="hint">Turn this on only for a provider that verifies email addresses and that you trust: otherwise anyone who registers an account there with a colleague’s email could take over the colleague’s edge-sso account.</p>
      {!redirectFlow && (
        <p class="hint warning">
          A directory’s <code>mail</code> attribute is taken as verified. If your directory lets users edit their own <code>mail</code> (a common OpenLDAP ACL: <code>by self write</code>), any of them could set a colleague’s address and be linked to the colleague’s account: leave this off unless only administrators can write <code>mail</code>. An account with the admin role is never linked by email alone.
        </p>
      )}
      <fieldset>
        <legend>Claim mapping (empty: the standard claim)</legend>
        {CLAIM_MAP_FIELDS.map((field) => (
          <Field name={`claim_map.${field}`} label={field.replace('_', ' ')} value={values[`claim_map.${field}`]} errors={errors} placeholder={field === 'username' ? 'preferred_username' : field} />
        ))}
      </fieldset>
      {preset.sends_groups === false ? (
        <p class="hint" id="no-groups">
          {preset.label} sends no groups: users from this source get their groups in edge-sso only.
        </p>
      ) : (
        <fieldset>
          <legend>Group mapping</legend>
          <Field name="group_map.claim" label="Groups claim" value={values['group_map.claim'] || preset.default_group_claim || 'groups'} errors={errors} />
          <Field
            name="group_map.prefix"
            label="Prefix"
            value={values['group_map.prefix']}
            errors={errors}
            placeholder={props.creating ? 'the slug and a colon, e.g. okta:' : 'okta:'}
            hint="Put before every group name from this source, so it can never claim one of edge-sso’s own groups (an upstream asserting “finance” would otherwise open apps limited to your “finance” group). Empty on a new source: the slug and a colon."
          />
          {props.creating && <Checkbox name="group_map.no_prefix" label="No prefix: use this source’s group names as edge-sso group names" checked={values['group_map.no_prefix'] === 'on'} />}
          <RenamePairs values={values} errors={errors} />
        </fieldset>
      )}
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

// Keeps the redirect URI in step with the slug (or, when it is empty, the name) as the admin types.
// The same rule as slugFrom() in src/federation/input.ts; without script, the page shows it after a submit.
const CALLBACK_SCRIPT = `(function () {
  var out = document.getElementById('callback-preview'), slug = document.getElementById('slug'), name = document.getElementById('name');
  if (!out || !slug || !name) return;
  var pattern = new RegExp(${JSON.stringify(SLUG_PATTERN.source)});
  function fromName(n) {
    var s = n.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
    return pattern.test(s) && s !== 'new' ? s : 'source';
  }
  function update() {
    var value = out.getAttribute('data-base') + encodeURIComponent(slug.value.trim() || fromName(name.value)) + '/callback';
    out.textContent = value;
    var copy = out.parentNode.querySelector('[data-copy]');
    if (copy) copy.setAttribute('data-copy', value);
  }
  slug.addEventListener('input', update);
  name.addEventListener('input', update);
})();`;

/**
 * The redirect URI to register at the provider, before the source exists: the provider's client ID
 * and secret cannot be made without it. From the slug as typed, else the slug the name gives.
 */
function CallbackPreview(props: { c: ConsoleContext; values: SourceFormValues; label: string }) {
  const slug = props.values.slug?.trim() || slugFrom(props.values.name || props.label);
  const base = callbackUrl(issuerOf(props.c), 'SLUG').replace(/SLUG\/callback$/, '');
  return (
    <div class="field">
      <p class="label">Redirect URI to register at {props.label}</p>
      <div class="copyable">
        <code id="callback-preview" data-base={base}>
          {callbackUrl(issuerOf(props.c), slug)}
        </code>
        <button type="button" class="secondary small" data-copy={callbackUrl(issuerOf(props.c), slug)} aria-label="Copy redirect URI">
          Copy
        </button>
      </div>
      <p class="hint">Create the app (client) at the provider with this exact URL first: it gives you the client ID and secret below. It follows the slug you choose.</p>
      {/* raw: a script is not HTML-decoded; the text is a constant. */}
      <script nonce={props.c.get('cspNonce')}>{raw(CALLBACK_SCRIPT)}</script>
    </div>
  );
}

/** Rename pairs as rows of two fields: the upstream group, and the edge-sso group it becomes. */
function RenamePairs(props: { values: SourceFormValues; errors: Errors }) {
  const rows = renameRows(props.values);
  return (
    <div class="field">
      <p class="label" id="rename-label">
        Rename (optional)
      </p>
      <p class="hint" id="rename-hint">
        Applied before the prefix. To map an upstream group onto one of edge-sso’s own groups on purpose, leave the prefix empty (or tick No prefix) and rename exactly the groups you trust this source to
        assert. Saving adds more empty rows.
      </p>
      <table class="pairs" aria-labelledby="rename-label">
        <thead>
          <tr>
            <th scope="col">Upstream group</th>
            <th scope="col">edge-sso group</th>
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: rows }, (_, i) => (
            <tr>
              {(['from', 'to'] as const).map((side) => {
                const name = renameField(i, side);
                const error = props.errors[name];
                return (
                  <td class={error ? 'invalid' : undefined}>
                    <input
                      type="text"
                      id={name}
                      name={name}
                      value={props.values[name] ?? ''}
                      aria-label={`${side === 'from' ? 'Upstream group' : 'edge-sso group'} ${i + 1}`}
                      aria-invalid={error ? 'true' : undefined}
                      aria-describedby={error ? `${name}-error` : undefined}
                      placeholder={i === 0 ? (side === 'from' ? 'Engineering' : 'eng') : undefined}
                    />
                    {error && (
                      <p class="field-error" id={`${name}-error`}>
                        {error}
                      </p>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function submitted(c: ConsoleContext, type: SourceType): SourceFormValues {
  return Object.fromEntries(formFieldNames(type).map((name) => [name, formText(c, name)]));
}

/**
 * Validates like the API (`parse`), then `save`s; on failure the form comes back with every error
 * next to its field: the form's own (an unreadable rename line) and the API's together.
 */
export async function saveForm<T>(
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


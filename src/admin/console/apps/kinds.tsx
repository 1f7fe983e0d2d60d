// Console: Add application, step one: what kind of app is it? Each kind then shows only its own
// fields, with its defaults (./form.tsx). A plain GET form, so the step works without a script.
import type { AppKind, SigningAlg } from '../../../db/schema';
import { APP_KINDS } from '../../../apps/app';

export type ChosenKind = AppKind | 'saml';

export const KIND_CHOICES: readonly { kind: ChosenKind; label: string; hint: string }[] = [
  {
    kind: 'jwt_sso',
    label: 'JWT SSO (Flask and similar)',
    hint: 'The app sends users to its SSO URL and receives a signed id_token on its redirect URL. The Flask kit (examples/flask) works this way.',
  },
  {
    kind: 'oidc_web',
    label: 'OpenID Connect web app',
    hint: 'A server-side app that keeps a client secret (a confidential client): authorization code flow, the secret authenticates it at the token endpoint.',
  },
  {
    kind: 'oidc_public',
    label: 'Single-page or native app',
    hint: 'A browser or mobile app that cannot keep a secret (a public client): OpenID Connect authorization code flow with PKCE, no client secret.',
  },
  { kind: 'saml', label: 'SAML app', hint: 'A SAML 2.0 service provider: paste its metadata, or type its entity ID and ACS URL.' },
];

/** The kind named in a query or form value, or null when it names none. */
export function appKindOf(value: string | undefined): AppKind | null {
  return (APP_KINDS as readonly string[]).includes(value ?? '') ? (value as AppKind) : null;
}

export const kindLabel = (kind: AppKind) => KIND_CHOICES.find((k) => k.kind === kind)!.label;

/** The signing algorithms a kind may use: a public client has no secret, so no HS256. */
export const kindAlgs = (kind: AppKind | null): readonly SigningAlg[] => (kind === 'oidc_public' ? ['ES256', 'RS256'] : ['HS256', 'RS256', 'ES256']);

/** A new app's defaults by kind: the Flask kit's HS256 for JWT SSO, issuer-key signatures for OIDC. */
export function kindDefaults(kind: AppKind): Record<string, string> {
  if (kind === 'jwt_sso') return { signing_alg: 'HS256', response_mode: 'query', require_pkce: 'on' };
  if (kind === 'oidc_web') return { signing_alg: 'RS256', token_endpoint_auth_method: 'client_secret_basic', require_pkce: 'on' };
  return { signing_alg: 'ES256', token_endpoint_auth_method: 'none', require_pkce: 'on' };
}

/** Form fields a kind does not show (and so does not send): what JWT SSO or OIDC alone would use. */
export function hiddenFieldsOf(kind: AppKind | null): readonly string[] {
  if (kind === 'jwt_sso') return ['token_endpoint_auth_method', 'require_pkce', 'backchannel_logout_uri'];
  if (kind === 'oidc_web') return ['response_mode'];
  if (kind === 'oidc_public') return ['response_mode', 'token_endpoint_auth_method', 'require_pkce', 'backchannel_logout_uri'];
  return [];
}

export function KindChooser(props: { invalid?: boolean }) {
  return (
    <form method="get" action="/admin/apps/new" class="card">
      {props.invalid && (
        <div class="alert" role="alert">
          Choose one of the kinds below.
        </div>
      )}
      <fieldset class="choices">
        <legend>What kind of application is it?</legend>
        {KIND_CHOICES.map((choice, i) => (
          <div class="choice">
            <input type="radio" id={`type-${choice.kind}`} name="type" value={choice.kind} required checked={i === 0} aria-describedby={`type-${choice.kind}-hint`} />
            <label for={`type-${choice.kind}`}>{choice.label}</label>
            <p class="hint" id={`type-${choice.kind}-hint`}>
              {choice.hint}
            </p>
          </div>
        ))}
      </fieldset>
      <div class="actions">
        <button type="submit" class="inline">
          Continue
        </button>
        <a class="button secondary inline" href="/admin/apps">
          Cancel
        </a>
      </div>
    </form>
  );
}

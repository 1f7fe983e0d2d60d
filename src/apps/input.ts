// Parses the admin's JSON for creating or changing an app. Every invalid field is reported at once.
import { asObject, FieldReader } from '../lib/validation';
import type { AppKind, ResponseMode, SigningAlg, TokenEndpointAuthMethod } from '../db/schema';
import { APP_KINDS, MAX_TOKEN_TTL_SECONDS, RESPONSE_MODES, SIGNING_ALGS, TOKEN_ENDPOINT_AUTH_METHODS } from './app';
import { checkRegisteredRedirect, splitRedirectList } from './redirects';
import { checkAttributeMap, type AttributeMap } from './attributes';
import { SLUG_PATTERN } from '../lib/slug';
import { readAccess } from '../policy/access-input';
import type { AccessRule } from '../policy/access';
import { MFA_POLICIES, type MfaPolicy } from '../policy/mfa';
import { checkBranding, compactBranding, type Branding } from '../policy/branding';
import type { SamlSettingsInput } from './saml';

export const CLIENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/;
/** Paths of the console's application pages that a client ID would shadow. */
const RESERVED_CLIENT_IDS = new Set(['new', 'new-saml']);
const MAX_REDIRECT_URLS = 20;

export interface AppFields {
  name: string;
  description: string;
  redirectUrls: string[];
  logoutUrls: string[];
  initiateLoginUrl: string;
  signingAlg: SigningAlg;
  responseMode: ResponseMode;
  tokenTtlSeconds: number;
  attributeMap: AttributeMap;
  branding: Partial<Branding>;
  identitySource: string | null;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** null clears it. */
  backchannelLogoutUri: string | null;
  /** Users by id or email until the store resolves them to ids. */
  access: AccessRule;
  mfa: MfaPolicy;
  requirePkce: boolean;
  /** What the app was added as (the console shows that kind's settings). */
  kind: AppKind;
  /** A SAML app's settings (parsed by src/saml/input.ts; a change gives only the fields that change). */
  saml: Partial<SamlSettingsInput>;
}

export type NewAppInput = Partial<Omit<AppFields, 'saml'>> & Pick<AppFields, 'name' | 'redirectUrls'> & { clientId?: string; saml?: SamlSettingsInput };

const EDITABLE = ['name', 'description', 'redirect_urls', 'logout_urls', 'initiate_login_url', 'signing_alg', 'response_mode', 'token_ttl_seconds', 'attribute_map', 'branding', 'identity_source', 'token_endpoint_auth_method', 'backchannel_logout_uri', 'access', 'mfa', 'require_pkce', 'kind'];

function readRedirectList(fields: FieldReader, key: string, required: boolean): string[] | undefined {
  if (!fields.has(key)) return required ? fields.fail(key, 'is required: at least one https URL') : undefined;
  const list = splitRedirectList(fields.value(key));
  if (!list) return fields.fail(key, 'must be an array of URLs or one string of URLs separated by ";"');
  if (required && list.length === 0) return fields.fail(key, 'must contain at least one URL');
  if (list.length > MAX_REDIRECT_URLS) return fields.fail(key, `must contain at most ${MAX_REDIRECT_URLS} URLs`);
  const urls: string[] = [];
  for (const entry of list) {
    const check = checkRegisteredRedirect(entry);
    if (!check.ok) return fields.fail(key, `"${entry}" ${check.reason}`);
    if (!urls.includes(check.url)) urls.push(check.url);
  }
  return urls;
}

/** Like a redirect URL (https, or http on loopback); an empty string clears it (the default applies). */
function readInitiateLoginUrl(fields: FieldReader): string | undefined {
  const value = fields.string('initiate_login_url', { max: 2000 });
  if (value === undefined || value.trim() === '') return value === undefined ? undefined : '';
  const check = checkRegisteredRedirect(value);
  return check.ok ? check.url : fields.fail('initiate_login_url', `"${value.trim()}" ${check.reason}`);
}

function readAttributeMap(fields: FieldReader): AttributeMap | undefined {
  if (!fields.has('attribute_map')) return undefined;
  const check = checkAttributeMap(fields.value('attribute_map'));
  return check.ok ? check.map : fields.fail('attribute_map', check.reason);
}

function readBranding(fields: FieldReader): Partial<Branding> | undefined {
  if (!fields.has('branding')) return undefined;
  const value = fields.value('branding');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fields.fail('branding', 'must be an object');
  const { values, errors } = checkBranding(value as Record<string, unknown>);
  for (const [field, message] of Object.entries(errors)) fields.fail(`branding.${field}`, message);
  return compactBranding(values);
}

/** A source slug, or null/"" for edge-sso's own login page. Whether the source exists is checked by the store. */
function readIdentitySource(fields: FieldReader): string | null | undefined {
  if (fields.input.identity_source === null || fields.input.identity_source === '') return null;
  const slug = fields.string('identity_source', { max: 40 });
  if (slug !== undefined && !SLUG_PATTERN.test(slug)) return fields.fail('identity_source', 'must be the slug of an identity source, or null');
  return slug;
}

/** A URL checked like a redirect URL; null or "" clears it. */
function readBackchannelUri(fields: FieldReader): string | null | undefined {
  const value = fields.input.backchannel_logout_uri;
  if (value === undefined) return undefined;
  if (value === null || value === '') return null;
  if (typeof value !== 'string') return fields.fail('backchannel_logout_uri', 'must be a URL, or null for none');
  const check = checkRegisteredRedirect(value);
  return check.ok ? check.url : fields.fail('backchannel_logout_uri', `"${value}" ${check.reason}`);
}

function readEditable(fields: FieldReader, creating: boolean): Partial<Omit<AppFields, 'saml'>> {
  return {
    name: fields.string('name', { required: creating, notEmpty: true, max: 100 }),
    description: fields.string('description', { max: 500, kind: 'text' }),
    redirectUrls: readRedirectList(fields, 'redirect_urls', creating),
    logoutUrls: readRedirectList(fields, 'logout_urls', false),
    initiateLoginUrl: readInitiateLoginUrl(fields),
    signingAlg: fields.oneOf('signing_alg', SIGNING_ALGS),
    responseMode: fields.oneOf('response_mode', RESPONSE_MODES),
    tokenTtlSeconds: fields.integer('token_ttl_seconds', 30, MAX_TOKEN_TTL_SECONDS),
    attributeMap: readAttributeMap(fields),
    branding: readBranding(fields),
    identitySource: readIdentitySource(fields),
    tokenEndpointAuthMethod: fields.oneOf('token_endpoint_auth_method', TOKEN_ENDPOINT_AUTH_METHODS),
    backchannelLogoutUri: readBackchannelUri(fields),
    access: readAccess(fields),
    mfa: fields.oneOf('mfa', MFA_POLICIES),
    requirePkce: fields.boolean('require_pkce'),
    kind: fields.oneOf('kind', APP_KINDS),
  };
}

/**
 * A new app's kind decides what its fields may be: a public client (single-page or native app)
 * authenticates with PKCE alone, so it has no token endpoint secret and cannot sign with HS256
 * (whose key would be a secret it cannot keep); a confidential web app has a secret.
 */
function checkKind(fields: FieldReader, values: Partial<Omit<AppFields, 'saml'>>): void {
  if (values.kind === 'oidc_public') {
    if (values.tokenEndpointAuthMethod === undefined) values.tokenEndpointAuthMethod = 'none';
    else if (values.tokenEndpointAuthMethod !== 'none') fields.fail('token_endpoint_auth_method', 'must be "none" for a single-page or native app: it cannot keep a secret');
    if ((values.signingAlg ?? 'HS256') === 'HS256') fields.fail('signing_alg', 'must be RS256 or ES256 for a single-page or native app: HS256 would need the client secret it cannot keep');
  }
  if (values.kind === 'oidc_web' && values.tokenEndpointAuthMethod === 'none') {
    fields.fail('token_endpoint_auth_method', 'must be client_secret_basic or client_secret_post for a web app; a public client is a single-page or native app');
  }
}

export function parseNewApp(body: unknown): NewAppInput {
  const fields = new FieldReader(asObject(body));
  fields.onlyKeys([...EDITABLE, 'client_id']);
  const clientId = fields.string('client_id', { max: 64 });
  if (clientId !== undefined && !CLIENT_ID_PATTERN.test(clientId)) {
    fields.fail('client_id', 'must be 3 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  } else if (clientId !== undefined && RESERVED_CLIENT_IDS.has(clientId)) {
    fields.fail('client_id', `"${clientId}" is reserved (the console uses that path); choose another`);
  }
  const values = readEditable(fields, true);
  checkKind(fields, values);
  fields.done();
  return { ...values, clientId, name: values.name!, redirectUrls: values.redirectUrls! };
}

/** What the kind's rules read of an app as stored. */
type KindedApp = Pick<AppFields, 'signingAlg' | 'tokenEndpointAuthMethod'> & { kind?: AppFields['kind'] | null };

/**
 * An edit of `current`: the kind's rules hold for the app as it will be (a PATCH of signing_alg
 * alone must not give a single-page app HS256, nor one of token_endpoint_auth_method turn a web
 * app into a client that redeems codes without its secret).
 */
export function parseAppChanges(body: unknown, current?: KindedApp): Partial<AppFields> {
  const fields = new FieldReader(asObject(body));
  fields.onlyKeys(EDITABLE);
  const values = readEditable(fields, false);
  if (fields.has('redirect_urls') && values.redirectUrls?.length === 0) {
    fields.fail('redirect_urls', 'must contain at least one URL');
  }
  if (current) {
    checkKind(fields, {
      kind: values.kind ?? current.kind ?? undefined,
      signingAlg: values.signingAlg ?? current.signingAlg,
      tokenEndpointAuthMethod: values.tokenEndpointAuthMethod ?? current.tokenEndpointAuthMethod,
    });
  }
  fields.done();
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

// The shapes every part of identity sources agrees on: the stored source, the declarative preset
// that fills in a source's protocol details, and the profile every upstream client returns.
// Presets (src/federation/presets/) are data plus small pure hooks; the two clients (oidc.ts and
// oauth2.ts) are the only code that runs a flow.

/** Every kind of source an admin may add. `oidc` is the generic one; the rest are presets. */
export const SOURCE_TYPES = [
  'oidc',
  'google',
  'entra',
  'okta',
  'auth0',
  'keycloak',
  'adfs',
  'apple',
  'github',
  'facebook',
  'linkedin',
  'x',
  'ldap',
  'active-directory',
  'saml',
  'adfs-saml',
  'entra-saml',
  'okta-saml',
  'google-saml',
] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

/** `create`: a first sign-in creates the edge-sso user; `existing`: only users already in edge-sso may sign in. */
export type Provisioning = 'create' | 'existing';

/** Which upstream claim fills each profile field; an absent entry keeps the standard claim. */
export interface ClaimMap {
  email?: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  username?: string;
}
export const CLAIM_MAP_FIELDS = ['email', 'name', 'given_name', 'family_name', 'username'] as const satisfies readonly (keyof ClaimMap)[];

export interface GroupMap {
  /** The upstream claim holding the groups (default `groups`; Entra uses `roles` or `groups`). */
  claim: string;
  /** Put before every group name after renaming, e.g. `okta:`; empty for none. */
  prefix: string;
  /** Upstream group name → edge-sso group name, applied before the prefix. */
  rename: Record<string, string>;
}

/**
 * Type-specific settings that are not secret, keyed by the preset's field names (e.g. `issuer`,
 * `tenant`, `domain`, `realm`, `team_id`). List fields hold arrays of strings.
 */
export type SourceConfig = Record<string, string | string[] | boolean | number>;

/** The secret fields of a source (e.g. `client_secret`, Apple's `private_key`), decrypted. Never returned by the API. */
export type SourceSecrets = Record<string, string>;

/** An identity source as stored (secrets kept apart, sealed under the slug). */
export interface IdentitySource {
  /** URL-safe and unique; names the callback `/federation/<slug>/callback`. Fixed once created. */
  slug: string;
  type: SourceType;
  /** Shown to users: "Continue with <name>". */
  name: string;
  enabled: boolean;
  show_on_login_page: boolean;
  provisioning: Provisioning;
  /** Email domains allowed to sign in through this source (lower case); empty allows any. */
  allowed_domains: string[];
  claim_map: ClaimMap;
  group_map: GroupMap;
  /** A first sign-in may link to an existing local account with the same email only if this is on AND upstream says the email is verified. */
  trust_email_for_linking: boolean;
  client_id: string;
  scopes: string[];
  /** Type-specific, non-secret fields (see the preset's `fields`). */
  config: SourceConfig;
  /** The names of secret fields that are set, so the console can say "set" without showing them. */
  secrets_set: string[];
  created_at: number;
  updated_at: number;
}

/** What every client returns after a successful upstream sign-in, before claim/group mapping. */
export interface UpstreamProfile {
  /** The stable upstream identifier users are linked by (never the email). Entra: `tid:oid`. */
  subject: string;
  email?: string;
  /** True only if upstream says so explicitly (`email_verified: true`, GitHub's verified primary). */
  email_verified: boolean;
  name?: string;
  given_name?: string;
  family_name?: string;
  username?: string;
  groups: string[];
  /** Every claim received (id_token merged with userinfo, or the provider's profile JSON), for mapping and Test connection. */
  raw: Record<string, unknown>;
  /** The upstream's `amr`, when it sent one. */
  amr?: string[];
}

// ---- Presets --------------------------------------------------------------------------------

/** One type-specific setting an admin fills in (console form and admin API field of the same name). */
export interface PresetField {
  /** The API/config key, snake_case: `tenant`, `domain`, `client_secret`. */
  name: string;
  label: string;
  /** One line shown under the field in the console. */
  help?: string;
  required: boolean;
  /** Stored encrypted, never returned; optional on PATCH (absent keeps the stored value). */
  secret?: boolean;
  /** `text` (default), `url` (https, or http on loopback), `multiline` (e.g. a PEM key), `list` (array of strings), `boolean` (a checkbox), `integer` (from `min` to `max`). */
  kind?: 'text' | 'url' | 'multiline' | 'list' | 'boolean' | 'integer';
  max?: number;
  /** The lowest value of an `integer` field. */
  min?: number;
  /** Extra validation of a present value; returns a message (completing "<name> ...") or null. */
  validate?(value: string | string[]): string | null;
}

/** Context the hooks of a preset get. */
export interface PresetContext {
  config: SourceConfig;
  secrets: SourceSecrets;
  client_id: string;
}

/** An OIDC provider: discovery from an issuer, ID token validation by the generic client (oidc.ts). */
export interface OidcProtocol {
  kind: 'oidc';
  /** The issuer whose `/.well-known/openid-configuration` is read. */
  issuer(ctx: PresetContext): string;
  /**
   * For multi-tenant issuers whose discovery `issuer` is a template (Entra's `{tenantid}`): the
   * issuer a token must carry, given its claims, or an Error message when the token is refused
   * (e.g. a tenant outside the allow-list). Absent: discovery's issuer must equal `issuer()`, and
   * tokens must carry it.
   */
  expectedIssuer?(discovered: string, claims: Record<string, unknown>, ctx: PresetContext): string | { error: string };
  /** The stable subject from the validated claims (default `sub`); Entra: `${tid}:${oid}`. */
  subject?(claims: Record<string, unknown>): string;
  /** Send PKCE S256 (default true). LinkedIn refuses a code_verifier from web apps (`invalid_client`). */
  pkce?: boolean;
  /** Send a nonce and require it back in the ID token (default true). LinkedIn's ID tokens carry none. */
  nonce?: boolean;
  /** Client authentication at the token endpoint; default: what discovery advertises (basic first). Apple and LinkedIn: `client_secret_post`. */
  token_auth?: 'client_secret_basic' | 'client_secret_post';
  /**
   * Adjusts the validated claims (ID token merged with userinfo) before the profile is built:
   * Apple's string booleans and the name from its `user` form field; Entra's unverified email.
   */
  claims?(claims: Record<string, unknown>, callback: URLSearchParams): Record<string, unknown>;
}

/** Plain OAuth2 (no ID token): fixed endpoints and a profile read with the access token (oauth2.ts). */
export interface OAuth2Protocol {
  kind: 'oauth2';
  authorization_endpoint(ctx: PresetContext): string;
  token_endpoint(ctx: PresetContext): string;
  /** How the client authenticates at the token endpoint. */
  token_auth: 'client_secret_basic' | 'client_secret_post';
  /** `required` (X), `supported` (sent, harmless), `none` (provider rejects it). */
  pkce: 'required' | 'supported' | 'none';
  /** Reads the profile with the access token. `fetch` is the only network access it may use. */
  profile(args: {
    access_token: string;
    token_response: Record<string, unknown>;
    ctx: PresetContext;
    fetch: typeof fetch;
  }): Promise<UpstreamProfile>;
}

/**
 * A directory (LDAP, Active Directory): no browser redirect; edge-sso's own form checks the
 * password against the directory (./ldap/). The attributes fill the profile unless claim_map
 * names others.
 */
export interface LdapProtocol {
  kind: 'ldap';
  /** The directory attribute read for each profile field by default. */
  attributes: Required<ClaimMap>;
  /** The user filter when the admin sets none. */
  default_filter: string;
  /** Active Directory: refuse accounts with userAccountControl bit 2 (ACCOUNTDISABLE); nested groups available. */
  active_directory: boolean;
}

/**
 * A SAML 2.0 identity provider (./saml/): edge-sso is the service provider. The IdP's entity ID,
 * endpoints and signing certificates come from its metadata (metadata_url or metadata_xml).
 */
export interface SamlProtocol {
  kind: 'saml';
  /**
   * Whether the IdP's email attribute is managed by the organisation (AD FS from Active Directory,
   * Google Workspace, Okta): it counts as verified for trust_email_for_linking. Entra ID's mail
   * attribute can be set by tenant admins of any tenant, so not there.
   */
  email_verified: boolean;
}

export interface Preset {
  type: SourceType;
  /** The provider's name, e.g. "Microsoft Entra ID"; the default source name. */
  label: string;
  protocol: OidcProtocol | OAuth2Protocol | LdapProtocol | SamlProtocol;
  /** Type-specific fields, in form order (including `client_secret` when the preset needs one). */
  fields: PresetField[];
  default_scopes: string[];
  /** How the upstream returns to the callback (Apple: `form_post`). Default `query`. */
  response_mode?: 'query' | 'form_post';
  /** Extra authorization request parameters (e.g. Google `prompt=select_account`). */
  authorization_params?(ctx: PresetContext): Record<string, string>;
  /** The client secret to use when it is computed (Apple: an ES256 JWT from team id, key id and private key); default `secrets.client_secret`. */
  client_secret?(ctx: PresetContext): Promise<string>;
  /** Default group claim for this provider (Entra: `roles`). */
  default_group_claim?: string;
  /** false: the provider has no group claim (GitHub, Facebook, X, Apple, LinkedIn), so the console offers no group mapping. */
  sends_groups?: false;
  /** A note shown in the console next to the source, e.g. X's "email only with the email permission". */
  note?: string;
  /**
   * SCIM pairing (src/scim/linking.ts): the upstream subject a provisioned user's `externalId`
   * stands for, when this provider's SCIM client sends it (Entra ID: the object id, Okta: the user
   * id), else null. Absent: provisioned users link only by verified email, under the linking rules.
   */
  scimSubject?(externalId: string, ctx: Pick<PresetContext, 'config'>): string | null;
  /** The provider's documentation for registering an app. */
  docs_url?: string;
  /** Checks across fields of the merged config (e.g. a URL scheme against a StartTLS switch): field name → message. */
  validateConfig?(config: SourceConfig): Record<string, string>;
}

// ---- Clients ---------------------------------------------------------------------------------

/** The per-attempt secrets kept (sealed) in the browser between start and callback. */
export interface UpstreamAttempt {
  state: string;
  nonce: string;
  code_verifier: string;
}

export interface ClientOptions {
  /** The callback URL registered at the provider: `<issuer>/federation/<slug>/callback`. */
  redirect_uri: string;
  /** Allow http:// endpoints: only when the source's issuer/endpoints are on loopback (local development). */
  allow_insecure: boolean;
  fetch?: typeof fetch;
}

/**
 * What both clients implement: `oidcClient(preset, source, secrets, options)` in oidc.ts and
 * `oauth2Client(preset, source, secrets, options)` in oauth2.ts, with the same signature.
 * Shared helpers for both: `authorizationParams()` and `clientSecretFor()` in oidc.ts,
 * `asUpstreamError()`/`authorizationError()` in errors.ts, `profileFromClaims()` in mapping.ts.
 */
export interface UpstreamClient {
  /** The URL to send the browser to. */
  authorizationUrl(attempt: UpstreamAttempt, extra?: Record<string, string>): Promise<URL>;
  /** Validates the callback parameters (state, error), redeems the code and returns the profile. Throws UpstreamError. */
  finish(params: URLSearchParams, attempt: UpstreamAttempt): Promise<UpstreamProfile>;
}

/**
 * A failed upstream step with a message fit for users. `code` is the OAuth error (`access_denied`)
 * or one of ours (`invalid_response`, `unreachable`, `invalid_token`); `detail` is for the audit
 * trail and the admin's Test connection page, never for end users.
 */
export class UpstreamError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly detail?: string,
    /** host:port that could not be reached or refused, when one request is to blame (for the admin). */
    readonly host?: string,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

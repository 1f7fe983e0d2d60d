// Core tables: apps, users, signing keys, sessions, audit, settings, sign-in throttling.
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export type SigningAlg = 'HS256' | 'RS256' | 'ES256';
export type ResponseMode = 'query' | 'fragment' | 'form_post';
export type RedirectKind = 'login' | 'logout';
/** oidc: the JWT SSO URL and OpenID Connect; saml: a SAML 2.0 service provider (src/saml/). */
export type AppProtocol = 'oidc' | 'saml';
/** What an `oidc` app was added as in the console (which settings it shows): JWT SSO, an OIDC web app (confidential) or an OIDC single-page/native app (public). */
export type AppKind = 'jwt_sso' | 'oidc_web' | 'oidc_public';
/** How an app authenticates at the OIDC token endpoint; `none` is a public client (PKCE, no secret). */
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';
/** An app's restricted access (src/policy/access.ts): the listed groups (exact names) and user ids. */
export interface RestrictedAccess {
  groups: string[];
  users: string[];
}
/** next: published, not yet signing; active: signing; retiring: published for tokens it signed; retired. */
export type KeyState = 'next' | 'active' | 'retiring' | 'retired';

export interface Branding {
  productName: string;
  logoUrl: string;
  primaryColor: string;
  footerText: string;
  footerUrl: string;
}

export const apps = sqliteTable('apps', {
  clientId: text('client_id').primaryKey(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  signingAlg: text('signing_alg').$type<SigningAlg>().notNull(),
  responseMode: text('response_mode').$type<ResponseMode>().notNull(),
  tokenTtlSeconds: integer('token_ttl_seconds').notNull(),
  /** The client secret, AES-GCM encrypted under KEY_ENCRYPTION_KEY (see src/lib/secret-box.ts). */
  secretEncrypted: text('secret_encrypted').notNull(),
  /** After a rotation: the previous secret (encrypted the same way), still valid for verification until it expires or is retired. */
  previousSecretEncrypted: text('previous_secret_encrypted'),
  previousSecretExpiresAt: integer('previous_secret_expires_at'),
  /** Extra claims for apps that expect other names: claim name → user field (see src/apps/attributes.ts). */
  attributeMap: text('attribute_map', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
  /** Where My apps sends a user to open the app (login initiated at the app); empty: the first redirect URL's origin. */
  initiateLoginUrl: text('initiate_login_url').notNull().default(''),
  /** Overrides of the global branding for this app's login page; empty fields inherit. */
  branding: text('branding', { mode: 'json' }).$type<Partial<Branding>>().notNull().default(sql`'{}'`),
  /** The app's primary identity source (a slug): its SSO URL goes straight there. Null: edge-sso's login page. */
  identitySource: text('identity_source').references(() => identitySources.slug, { onDelete: 'set null' }),
  /** OIDC: how the app authenticates at the token endpoint. */
  tokenEndpointAuthMethod: text('token_endpoint_auth_method').$type<TokenEndpointAuthMethod>().notNull().default('client_secret_basic'),
  /** OIDC Back-Channel Logout: where edge-sso POSTs a logout_token when a user signs out; null: none. */
  backchannelLogoutUri: text('backchannel_logout_uri'),
  /** Who may open the app (see src/policy/access.ts): null is everyone; else the listed groups and user ids. */
  access: text('access', { mode: 'json' }).$type<RestrictedAccess>(),
  /** Multi-factor policy for this app: off, optional (the global policy decides) or required (see src/mfa/policy.ts). */
  mfa: text('mfa').$type<'off' | 'optional' | 'required'>().notNull().default('optional'),
  /** OIDC: every authorization request must carry PKCE (S256). New apps default to on (RFC 9700); public clients always need it. */
  requirePkce: integer('require_pkce', { mode: 'boolean' }).notNull().default(false),
  /** How the app signs users in: `oidc` (JWT SSO URL and OpenID Connect) or `saml` (settings in saml_apps). */
  protocol: text('protocol').$type<AppProtocol>().notNull().default('oidc'),
  /** For an `oidc` app, what it was added as (AppKind): the console shows that kind's settings. Null: not said (both JWT SSO and OIDC are shown). */
  kind: text('kind').$type<AppKind>(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** Where an app may receive tokens (`login`) or be sent after sign-out (`logout`), in the admin's order. */
export const appRedirectUris = sqliteTable(
  'app_redirect_uris',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    clientId: text('client_id')
      .notNull()
      .references(() => apps.clientId, { onDelete: 'cascade' }),
    kind: text('kind').$type<RedirectKind>().notNull(),
    url: text('url').notNull(),
    position: integer('position').notNull(),
  },
  (t) => [uniqueIndex('app_redirect_uris_unique').on(t.clientId, t.kind, t.url)],
);

export const users = sqliteTable(
  'users',
  {
    /** Stable, opaque: it becomes the token's `sub`. */
    id: text('id').primaryKey(),
    /** Always lower-cased before it is stored or looked up. */
    email: text('email').notNull(),
    passwordHash: text('password_hash'),
    name: text('name').notNull().default(''),
    givenName: text('given_name').notNull().default(''),
    familyName: text('family_name').notNull().default(''),
    username: text('username').notNull().default(''),
    groups: text('groups', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    roles: text('roles', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    emailVerified: integer('email_verified', { mode: 'boolean' }).notNull().default(false),
    disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
    /** An admin requires a second factor of this user: no token until they give one (enrol first), whatever the app's policy. */
    mfaRequired: integer('mfa_required', { mode: 'boolean' }).notNull().default(false),
    /**
     * Bumped each time all the user's sessions are ended: a sign-in checked before the bump cannot
     * index its session after it (see indexSession in src/sessions/sessions.ts).
     */
    sessionVersion: integer('session_version').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('users_email_unique').on(t.email)],
);

export const signingKeys = sqliteTable(
  'signing_keys',
  {
    kid: text('kid').primaryKey(),
    alg: text('alg').$type<Exclude<SigningAlg, 'HS256'>>().notNull(),
    publicJwk: text('public_jwk', { mode: 'json' }).$type<JsonWebKey>().notNull(),
    /** The private JWK, AES-GCM encrypted under KEY_ENCRYPTION_KEY. */
    privateJwkEncrypted: text('private_jwk_encrypted').notNull(),
    state: text('state').$type<KeyState>().notNull(),
    createdAt: integer('created_at').notNull(),
    /** For a retiring key: when the last token it signed has expired, so it can leave the JWKS. */
    retiredAt: integer('retired_at'),
  },
  // At most one active and one next key per algorithm, even when two isolates create one at the same moment.
  (t) => [
    uniqueIndex('signing_keys_one_active').on(t.alg).where(sql`state = 'active'`),
    uniqueIndex('signing_keys_one_next').on(t.alg).where(sql`state = 'next'`),
  ],
);

export const auditEvents = sqliteTable(
  'audit_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    type: text('type').notNull(),
    actor: text('actor').notNull(),
    target: text('target').notNull().default(''),
    clientIp: text('client_ip').notNull().default(''),
    detail: text('detail', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
  },
  (t) => [index('audit_events_at').on(t.at), index('audit_events_type').on(t.type)],
);

/**
 * Which sessions a user has, so all of them can be ended (password change, disable, "sign out
 * everywhere"). The session itself lives in KV under the same hash; D1 keeps this index because
 * it is consistent and transactional where a KV list would lose concurrent sign-ins.
 */
export const userSessions = sqliteTable(
  'user_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('user_sessions_user').on(t.userId, t.expiresAt), index('user_sessions_expires').on(t.expiresAt)],
);

/**
 * Which apps a session has signed in to, so signing out can tell each of them (OIDC Back-Channel
 * Logout, src/logout/backchannel.ts). Written once per session and app: the session's KV record
 * keeps the list too, so a repeat visit knows without asking D1. Ends with its session row.
 */
export const sessionApps = sqliteTable(
  'session_apps',
  {
    idHash: text('id_hash')
      .notNull()
      .references(() => userSessions.idHash, { onDelete: 'cascade' }),
    clientId: text('client_id').notNull(),
    signedInAt: integer('signed_in_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.idHash, t.clientId] })],
);

/** Installation-wide settings (branding), one JSON value per key. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value', { mode: 'json' }).$type<unknown>().notNull(),
});

/**
 * Images uploaded for branding (the logo), named by the SHA-256 of their bytes and served at
 * /branding/logo/<hash>.png with a year-long immutable cache. D1, not KV: a logo must be
 * readable everywhere the moment the page that shows it is.
 */
export const brandingImages = sqliteTable('branding_images', {
  hash: text('hash').primaryKey(),
  contentType: text('content_type').notNull(),
  /** The image bytes, base64url (at most 256 KiB of image). */
  data: text('data').notNull(),
  size: integer('size').notNull(),
  createdAt: integer('created_at').notNull(),
});

/**
 * Failed sign-ins per account email (`email:<address>`, whether or not the account exists, so a
 * lockout reveals nothing) and per client address (`ip:<address>`, `ip:unknown` without one), and
 * the attempts being checked right now (`pending`, forgotten after `pending_until`).
 */
export const loginThrottle = sqliteTable(
  'login_throttle',
  {
    key: text('key').primaryKey(),
    failures: integer('failures').notNull(),
    firstFailureAt: integer('first_failure_at').notNull(),
    lastFailureAt: integer('last_failure_at').notNull(),
    lockedUntil: integer('locked_until').notNull().default(0),
    pending: integer('pending').notNull().default(0),
    pendingUntil: integer('pending_until').notNull().default(0),
  },
  (t) => [index('login_throttle_last_failure').on(t.lastFailureAt)],
);


export type AppRow = typeof apps.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type SigningKeyRow = typeof signingKeys.$inferSelect;

/** External identity providers users may sign in with (see src/federation/types.ts for the fields). */
export const identitySources = sqliteTable('identity_sources', {
  slug: text('slug').primaryKey(),
  type: text('type').notNull(),
  name: text('name').notNull(),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
  showOnLoginPage: integer('show_on_login_page', { mode: 'boolean' }).notNull().default(true),
  /** `create` (first sign-in creates the user) or `existing`. */
  provisioning: text('provisioning').notNull().default('create'),
  allowedDomains: text('allowed_domains', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
  claimMap: text('claim_map', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
  groupMap: text('group_map', { mode: 'json' }).$type<{ claim: string; prefix: string; rename: Record<string, string> }>().notNull(),
  trustEmailForLinking: integer('trust_email_for_linking', { mode: 'boolean' }).notNull().default(false),
  clientId: text('client_id').notNull(),
  scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
  /** Type-specific settings that are not secret (issuer, tenant, domain…). */
  config: text('config', { mode: 'json' }).$type<Record<string, string | string[] | boolean | number>>().notNull().default(sql`'{}'`),
  /** The secret fields as one JSON object, AES-GCM encrypted; additional data `identity-source:<slug>`. */
  secretsEncrypted: text('secrets_encrypted').notNull(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** Which edge-sso user an upstream account is: linked by (source, upstream subject), never by email alone. */

export type IdentitySourceRow = typeof identitySources.$inferSelect;

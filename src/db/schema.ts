// The D1 tables. migrations/ is generated from this file: `npm run db:generate`.
// Times are Unix seconds. JSON columns hold arrays of strings.
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export type SigningAlg = 'HS256' | 'RS256' | 'ES256';
export type ResponseMode = 'query' | 'fragment' | 'form_post';
export type RedirectKind = 'login' | 'logout';
/** oidc: the JWT SSO URL and OpenID Connect; saml: a SAML 2.0 service provider (src/saml/). */
export type AppProtocol = 'oidc' | 'saml';
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
export const userIdentities = sqliteTable(
  'user_identities',
  {
    source: text('source')
      .notNull()
      .references(() => identitySources.slug, { onDelete: 'cascade' }),
    subject: text('subject').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The upstream email at the last sign-in, for the console. */
    email: text('email').notNull().default(''),
    /**
     * Whether the link rests on proof of the address: a verified upstream email, an invitation or
     * an admin. A link made by creating an account from an unverified upstream email is not, and
     * ends when the address's owner proves it (invitation accepted, password reset): src/federation/claims.ts.
     */
    proven: integer('proven', { mode: 'boolean' }).notNull().default(true),
    createdAt: integer('created_at').notNull(),
    lastSignInAt: integer('last_sign_in_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.source, t.subject] }), index('user_identities_user').on(t.userId)],
);

export type IdentitySourceRow = typeof identitySources.$inferSelect;
export type UserIdentityRow = typeof userIdentities.$inferSelect;
// --- OpenID Connect (src/oidc/). Token values are never stored, only their SHA-256. -----------

/**
 * A grant: one user's sign-in to one client through one authorization code, and everything issued
 * from it (the refresh token family and the access tokens, whose `jti` starts with the grant id).
 * Revoking the grant revokes all of them: code reuse, refresh replay, password change, disable.
 */
export const oauthGrants = sqliteTable(
  'oauth_grants',
  {
    id: text('id').primaryKey(),
    clientId: text('client_id')
      .notNull()
      .references(() => apps.clientId, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    scope: text('scope').notNull(),
    createdAt: integer('created_at').notNull(),
    /** No token issued from the grant outlives this; pruned after it. */
    expiresAt: integer('expires_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('oauth_grants_user').on(t.userId), index('oauth_grants_expires').on(t.expiresAt)],
);

/** Authorization codes: single use (consumed atomically), bound to client, redirect URI and PKCE challenge. */
export const oauthCodes = sqliteTable(
  'oauth_codes',
  {
    codeHash: text('code_hash').primaryKey(),
    grantId: text('grant_id')
      .notNull()
      .references(() => oauthGrants.id, { onDelete: 'cascade' }),
    clientId: text('client_id').notNull(),
    userId: text('user_id').notNull(),
    redirectUri: text('redirect_uri').notNull(),
    /** The S256 code_challenge, or null when a confidential client sent none. */
    codeChallenge: text('code_challenge'),
    scope: text('scope').notNull(),
    nonce: text('nonce'),
    authTime: integer('auth_time').notNull(),
    amr: text('amr', { mode: 'json' }).$type<string[]>().notNull(),
    /** The identity source's slug when the session came from one (the ID token's `idp`), else null. */
    source: text('source'),
    expiresAt: integer('expires_at').notNull(),
    consumedAt: integer('consumed_at'),
  },
  (t) => [index('oauth_codes_expires').on(t.expiresAt)],
);

/** Refresh tokens: each use rotates it (consumed atomically); presenting a rotated one revokes its grant. */
export const oauthRefreshTokens = sqliteTable(
  'oauth_refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    /** The token family. */
    grantId: text('grant_id')
      .notNull()
      .references(() => oauthGrants.id, { onDelete: 'cascade' }),
    clientId: text('client_id').notNull(),
    userId: text('user_id').notNull(),
    scope: text('scope').notNull(),
    authTime: integer('auth_time').notNull(),
    amr: text('amr', { mode: 'json' }).$type<string[]>().notNull(),
    /** Carried from the code through every rotation, so refreshed ID tokens keep their `idp`. */
    source: text('source'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    /** Set when the token was exchanged for its successor. */
    rotatedAt: integer('rotated_at'),
  },
  (t) => [index('oauth_refresh_tokens_grant').on(t.grantId), index('oauth_refresh_tokens_expires').on(t.expiresAt)],
);

/** Access tokens revoked one by one (RFC 7009), kept until they would have expired anyway. */
export const oauthRevokedJtis = sqliteTable(
  'oauth_revoked_jtis',
  {
    jti: text('jti').primaryKey(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('oauth_revoked_jtis_expires').on(t.expiresAt)],
);

export type AppRow = typeof apps.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type SigningKeyRow = typeof signingKeys.$inferSelect;

// --- Multi-factor sign-in (src/mfa/). -------------------------------------------------------

/**
 * A user's TOTP authenticator (RFC 6238). The secret is AES-GCM encrypted (additional data
 * `totp:<user id>`). `confirmed_at` is null until the user typed a first code; `last_step` is the
 * last time step accepted, raised atomically so a code works once.
 */
export const mfaTotp = sqliteTable('mfa_totp', {
  userId: text('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  secretEncrypted: text('secret_encrypted').notNull(),
  lastStep: integer('last_step').notNull().default(0),
  createdAt: integer('created_at').notNull(),
  confirmedAt: integer('confirmed_at'),
});

/** WebAuthn credentials (passkeys and security keys). */
export const webauthnCredentials = sqliteTable(
  'webauthn_credentials',
  {
    /** The credential id, base64url. */
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The COSE public key, base64url. */
    publicKey: text('public_key').notNull(),
    counter: integer('counter').notNull().default(0),
    transports: text('transports', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    /** singleDevice or multiDevice (a synced passkey). */
    deviceType: text('device_type').notNull(),
    backedUp: integer('backed_up', { mode: 'boolean' }).notNull().default(false),
    name: text('name').notNull().default(''),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
  },
  (t) => [index('webauthn_credentials_user').on(t.userId)],
);

/** Recovery codes: SHA-256 of each code (random, 50 bits), single use (`used_at`, set atomically). */
export const recoveryCodes = sqliteTable(
  'recovery_codes',
  {
    codeHash: text('code_hash').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
    usedAt: integer('used_at'),
  },
  (t) => [index('recovery_codes_user').on(t.userId)],
);
// --- Onboarding (src/onboarding/). Link tokens are never stored, only their SHA-256. ----------

/** invite: set a first password; verify: finish a self sign-up; reset: a new password; email-change: confirm a new address; approval: a verified sign-up waiting for an admin. */
export type OneTimeLinkPurpose = 'invite' | 'verify' | 'reset' | 'email-change' | 'email-change-cancel' | 'approval';

/**
 * One-time links sent by email. Single use: consumed atomically (`UPDATE … WHERE consumed_at IS
 * NULL AND expires_at > now RETURNING`). Pruned by the daily cron once expired or consumed.
 */
export const oneTimeLinks = sqliteTable(
  'one_time_links',
  {
    /** SHA-256 (hex) of the token in the link. */
    hash: text('hash').primaryKey(),
    purpose: text('purpose').$type<OneTimeLinkPurpose>().notNull(),
    /** The account it acts on; null for a sign-up, whose account is created only when verified. */
    userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
    /** The address the link was sent to (lower case). */
    email: text('email').notNull(),
    /** Purpose-specific data: a sign-up's name and password hash, an email change's new address, an invite's app. */
    data: text('data', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    consumedAt: integer('consumed_at'),
  },
  (t) => [
    index('one_time_links_expires').on(t.expiresAt),
    index('one_time_links_user').on(t.userId, t.purpose),
    index('one_time_links_email').on(t.email, t.purpose),
  ],
);

/**
 * Fixed-window counters for onboarding requests anonymous people can make (sign-up, forgot
 * password): `<action>:ip:<address>` and `<action>:email:<address>`. A row lives until its window
 * ends; the daily cron deletes ended windows.
 */
export const onboardingRateLimits = sqliteTable(
  'onboarding_rate_limits',
  {
    key: text('key').primaryKey(),
    count: integer('count').notNull(),
    windowEndsAt: integer('window_ends_at').notNull(),
  },
  (t) => [index('onboarding_rate_limits_window').on(t.windowEndsAt)],
);

export type OneTimeLinkRow = typeof oneTimeLinks.$inferSelect;

// --- Figures (src/stats/). ---------------------------------------------------------------------

/**
 * Sign-in figures per UTC day: the deployment's row (`client_id` '') counts sessions started and
 * failed attempts; an app's row counts sessions that received a token or code for it. Incremented
 * in the same D1 call as a write the request makes anyway (the audit event after the response,
 * the session's first token for the app), so counting adds no round trip. Pruned with the audit log.
 */
export const dailyCounts = sqliteTable(
  'daily_counts',
  {
    /** YYYY-MM-DD, UTC. */
    day: text('day').notNull(),
    clientId: text('client_id').notNull().default(''),
    signIns: integer('sign_ins').notNull().default(0),
    failures: integer('failures').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.clientId] })],
);

// --- SAML identity sources (src/federation/saml/). -------------------------------------------

/**
 * Assertion IDs accepted from a SAML identity source, each once: the ACS inserts the ID before
 * it signs anyone in (a conflict is a replay), and the row lives until the assertion could no
 * longer be accepted anyway (at most MAX_AGE_SECONDS plus skew after it was issued).
 */
export const samlAssertionsSeen = sqliteTable(
  'saml_assertions_seen',
  {
    source: text('source').notNull(),
    assertionId: text('assertion_id').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.source, t.assertionId] }), index('saml_assertions_seen_expires').on(t.expiresAt)],
);
// --- SCIM 2.0 provisioning (src/scim/). Tokens are never stored, only their SHA-256. ------------

/**
 * Bearer tokens SCIM clients (Entra ID, Okta) present at /scim/v2. Deleting the row revokes the
 * token. `identity_source` pairs the token with the source the same people sign in through, so a
 * provisioned user's externalId can link them to it (src/scim/linking.ts).
 */
export const scimTokens = sqliteTable(
  'scim_tokens',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** SHA-256 (hex) of the token. */
    tokenHash: text('token_hash').notNull(),
    identitySource: text('identity_source').references(() => identitySources.slug, { onDelete: 'set null' }),
    createdAt: integer('created_at').notNull(),
    /** Written at most once a minute per token (after the response), null until first used. */
    lastUsedAt: integer('last_used_at'),
  },
  (t) => [uniqueIndex('scim_tokens_hash').on(t.tokenHash)],
);

/**
 * What SCIM knows about a user beyond the user store: the client's userName as it was sent, its
 * externalId, and the attributes edge-sso keeps without using (emails, phone numbers, title, the
 * enterprise extension). Written by the SCIM routes; ends with its user.
 */
export const scimUsers = sqliteTable(
  'scim_users',
  {
    userId: text('user_id')
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    userName: text('user_name').notNull(),
    externalId: text('external_id'),
    /** The other SCIM attributes, as the client last sent them (at most 16 KiB of JSON). */
    attributes: text('attributes', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
    /** The token that last wrote it, for the console (null once that token is revoked). */
    tokenId: text('token_id').references(() => scimTokens.id, { onDelete: 'set null' }),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('scim_users_external_id').on(t.externalId)],
);

/**
 * Groups that exist as resources of their own: pushed by SCIM (`origin` scim), or first seen in an
 * identity source's sign-in (`origin` source, `source` its slug). Membership is the users' `groups`
 * lists, which name the group; a group only set by hand on users has no row.
 */
export const groups = sqliteTable(
  'groups',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    origin: text('origin').$type<'scim' | 'source'>().notNull(),
    source: text('source'),
    externalId: text('external_id'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('groups_name').on(t.name)],
);

export type ScimTokenRow = typeof scimTokens.$inferSelect;
export type ScimUserRow = typeof scimUsers.$inferSelect;
export type GroupRow = typeof groups.$inferSelect;

// --- SAML apps (src/saml/): edge-sso as the identity provider. -------------------------------

/** Which part of the answer carries the signature: the assertion (the default), the whole Response, or both. */
export type SamlSignedPart = 'assertion' | 'response' | 'both';

/**
 * A SAML app's service-provider settings, one row per app of protocol `saml` (its ACS URLs are
 * the app's `login` redirect URLs). Written by the admin API and console; goes with its app.
 */
export const samlApps = sqliteTable(
  'saml_apps',
  {
    clientId: text('client_id')
      .primaryKey()
      .references(() => apps.clientId, { onDelete: 'cascade' }),
    /** The SP's entity ID: the Issuer of its AuthnRequests and the Audience of our assertions. */
    entityId: text('entity_id').notNull(),
    /** The NameID format used unless the AuthnRequest asks for email or persistent. */
    nameIdFormat: text('name_id_format').notNull(),
    /** SAML attribute name per user field (email, name, given_name, family_name, groups); "" leaves it out. */
    attributeNames: text('attribute_names', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    sign: text('sign').$type<SamlSignedPart>().notNull().default('assertion'),
    /** The SP's metadata says AuthnRequestsSigned: unsigned requests are refused. */
    requestsSigned: integer('requests_signed', { mode: 'boolean' }).notNull().default(false),
    /** The SP's signing certificates from its metadata (base64 DER), which verify its AuthnRequests. */
    certificates: text('certificates', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    /** Key of the app's persistent NameIDs (HMAC of the user id): stable per app, unlinkable across apps. */
    pseudonymKey: text('pseudonym_key').notNull(),
  },
  (t) => [uniqueIndex('saml_apps_entity_id').on(t.entityId)],
);

export type SamlAppRow = typeof samlApps.$inferSelect;

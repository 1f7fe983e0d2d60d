// What an application is, independent of how it is stored.
import { RequestError } from '../lib/errors';
import type { AppKind, AppProtocol, Branding, ResponseMode, SigningAlg, TokenEndpointAuthMethod } from '../db/schema';
import { samlEndpoints, samlToJson, SAML_PATHS, type SamlSettings } from './saml';
import { brandingToJson } from '../policy/branding';
import type { AttributeMap } from './attributes';
import { accessToJson, type AccessRule } from '../policy/access';
import type { MfaPolicy } from '../policy/mfa';

export const SIGNING_ALGS = ['HS256', 'RS256', 'ES256'] as const satisfies readonly SigningAlg[];
export const RESPONSE_MODES = ['query', 'fragment', 'form_post'] as const satisfies readonly ResponseMode[];
export const APP_KINDS = ['jwt_sso', 'oidc_web', 'oidc_public'] as const satisfies readonly AppKind[];
export const TOKEN_ENDPOINT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const satisfies readonly TokenEndpointAuthMethod[];
export const DEFAULT_TOKEN_TTL_SECONDS = 300;
/** The longest token lifetime an admin may choose; retiring signing keys stay published this long. */
export const MAX_TOKEN_TTL_SECONDS = 86_400;

export interface App {
  clientId: string;
  name: string;
  description: string;
  signingAlg: SigningAlg;
  responseMode: ResponseMode;
  tokenTtlSeconds: number;
  /** Where tokens may be delivered, normalised, in the admin's order; the first is the default. */
  redirectUrls: string[];
  /** Extra places the app may send users after sign-out (its redirect URLs are allowed too). */
  logoutUrls: string[];
  /** Where My apps opens the app (it then starts sign-in itself); empty: the first redirect URL's origin. See launchUrl. */
  initiateLoginUrl: string;
  /** Extra claims: claim name → user field. */
  attributeMap: AttributeMap;
  /** This app's overrides of the global branding. */
  branding: Partial<Branding>;
  /** The primary identity source's slug: the SSO URL goes straight there. Null: edge-sso's login page. */
  identitySource: string | null;
  /** OIDC: how the app authenticates at the token endpoint; `none` is a public client (PKCE required, no secret). */
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** OIDC Back-Channel Logout URL, or null. */
  backchannelLogoutUri: string | null;
  /** Who may open the app (src/access/): "everyone", or listed groups and user ids. Cached with the record, so the hot path decides without D1. */
  access: AccessRule;
  /** Multi-factor policy: off, optional or required (src/mfa/policy.ts). */
  mfa?: MfaPolicy;
  /** OIDC: every authorization request must carry PKCE (on for new apps; a public client needs it regardless). */
  requirePkce?: boolean;
  /** oidc: the JWT SSO URL and OpenID Connect serve it; saml: only the SAML IdP does (src/saml/). */
  protocol?: AppProtocol;
  /** An `oidc` app's kind (JWT SSO, OIDC web app, OIDC public client); null when not said. Presentation only: every `oidc` app serves both protocols. */
  kind?: AppKind | null;
  /** A SAML app's service-provider settings (its ACS URLs are `redirectUrls`). */
  saml?: SamlSettings;
  createdAt: number;
  updatedAt: number;
}

/** The URLs an app developer copies: its SSO URL, sign-out URL and the issuer's JWKS. */
export function appEndpoints(issuer: string, clientId: string) {
  const id = encodeURIComponent(clientId);
  return {
    sso_url: `${issuer}/sso/jwt/${id}`,
    logout_url: `${issuer}/sso/logout?client_id=${id}`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    openid_configuration: `${issuer}/.well-known/openid-configuration`,
  };
}

/** The admin API's JSON shape of an app. The secret is included only when it was just created or revealed. */
/**
 * Whether the app has a client secret anyone may use: a public client (`none`) has none, unless it
 * signs its JWT SSO tokens with HS256, whose key the secret is.
 */
export function hasClientSecret(app: Pick<App, 'tokenEndpointAuthMethod' | 'signingAlg'>): boolean {
  return app.tokenEndpointAuthMethod !== 'none' || app.signingAlg === 'HS256';
}

/** Refuses to reveal or rotate the secret of an app that has none. */
export function requireClientSecret(app: App): void {
  if (!hasClientSecret(app)) {
    throw new RequestError(409, 'no_secret', `${app.name} is a public client (token_endpoint_auth_method "none") signing with ${app.signingAlg}: it has no client secret.`);
  }
}

export function appToJson(app: App, issuer: string, clientSecret?: string) {
  if (app.saml) return samlAppToJson(app, app.saml, issuer);
  return {
    type: 'oidc',
    kind: app.kind ?? null,
    client_id: app.clientId,
    name: app.name,
    description: app.description,
    redirect_urls: app.redirectUrls,
    logout_urls: app.logoutUrls,
    initiate_login_url: app.initiateLoginUrl,
    signing_alg: app.signingAlg,
    response_mode: app.responseMode,
    token_ttl_seconds: app.tokenTtlSeconds,
    attribute_map: app.attributeMap,
    branding: brandingToJson(app.branding),
    identity_source: app.identitySource,
    token_endpoint_auth_method: app.tokenEndpointAuthMethod,
    backchannel_logout_uri: app.backchannelLogoutUri,
    access: accessToJson(app.access),
    mfa: app.mfa ?? 'optional',
    require_pkce: app.requirePkce === true || app.tokenEndpointAuthMethod === 'none',
    ...appEndpoints(issuer, app.clientId),
    ...(clientSecret === undefined || !hasClientSecret(app) ? {} : { client_secret: clientSecret }),
    created_at: new Date(app.createdAt * 1000).toISOString(),
    updated_at: new Date(app.updatedAt * 1000).toISOString(),
  };
}

/** The URL that opens the app for a signed-in user: its login-initiation URL, else its first redirect URL's origin. */
export function launchUrl(app: Pick<App, 'initiateLoginUrl' | 'redirectUrls' | 'clientId' | 'protocol'>): string | null {
  // A SAML app opens by IdP-initiated sign-in: an unsolicited assertion posted to its ACS.
  if (app.protocol === 'saml') return `${SAML_PATHS.launch}/${encodeURIComponent(app.clientId)}`;
  if (app.initiateLoginUrl) return app.initiateLoginUrl;
  const first = app.redirectUrls[0];
  return first ? `${new URL(first).origin}/` : null;
}

/** A SAML app: no client secret, token settings or OIDC endpoints; its SP settings and the IdP's endpoints. */
function samlAppToJson(app: App, saml: SamlSettings, issuer: string) {
  return {
    client_id: app.clientId,
    type: 'saml',
    name: app.name,
    description: app.description,
    saml: samlToJson(saml, app.redirectUrls),
    branding: brandingToJson(app.branding),
    identity_source: app.identitySource,
    access: accessToJson(app.access),
    mfa: app.mfa ?? 'optional',
    ...samlEndpoints(issuer),
    launch_url: `${issuer}${SAML_PATHS.launch}/${encodeURIComponent(app.clientId)}`,
    created_at: new Date(app.createdAt * 1000).toISOString(),
    updated_at: new Date(app.updatedAt * 1000).toISOString(),
  };
}

// Microsoft Entra ID (Azure AD), v2.0 endpoints. `tenant` is a tenant id (one organisation),
// `organizations` (any work or school account) or `common` (also personal Microsoft accounts).
// For the last two, discovery's issuer is the template `https://login.microsoftonline.com/{tenantid}/v2.0`
// and every token must carry that issuer with `{tenantid}` replaced by its own `tid`. Users are
// identified by `tid` + `oid` (the object id, stable and unique per tenant), never by email or
// `sub` alone; Entra's `email` claim counts as verified only with the optional `xms_edov` claim.
//
// Documentation:
// - Multi-tenant issuer validation: https://learn.microsoft.com/en-us/entra/identity-platform/howto-convert-app-to-be-multi-tenant#update-your-code-to-handle-multiple-issuer-values
// - ID token claims (tid, oid, roles, groups, email): https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference
// - Endpoints and the `tenant` path segment: https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri
// - Identifying users by oid + tid (not email): https://learn.microsoft.com/en-us/entra/identity-platform/claims-validation#validate-the-subject
// - The optional claim xms_edov (email domain owner verified): https://learn.microsoft.com/en-us/entra/identity-platform/optional-claims-reference
import type { Preset, PresetContext } from '../types';
import { clientSecretField, configString, optionalUrlField, trimSlash } from './fields';

export const ENTRA_AUTHORITY = 'https://login.microsoftonline.com';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MULTI_TENANT = ['organizations', 'common'];

export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && GUID.test(value);
}

export interface EntraConfig {
  /** A tenant id, `organizations` or `common`. */
  tenant: string;
  /** Tenant ids allowed to sign in; empty allows every tenant `tenant` admits. */
  allowed_tenants: string[];
}

export function entraConfig(ctx: Pick<PresetContext, 'config'>): EntraConfig {
  const list = ctx.config.allowed_tenants;
  return {
    tenant: configString(ctx, 'tenant') ?? '',
    allowed_tenants: Array.isArray(list) ? list.map((t) => t.toLowerCase()) : [],
  };
}

/**
 * The issuer a token from this source must carry, or why it is refused. `discovered` is the
 * discovery document's issuer (a template for multi-tenant sources); `claims` are the ID token's.
 * A token is refused when its `tid` is missing or malformed, outside the allow-list, or (for a
 * single-tenant source) not the configured tenant.
 */
export function entraExpectedIssuer(discovered: string, claims: Record<string, unknown>, config: EntraConfig): string | { error: string } {
  const tid = claims.tid;
  if (!isTenantId(tid)) return { error: 'the token has no valid tenant id (tid)' };
  const tenant = tid.toLowerCase();
  if (isTenantId(config.tenant) && config.tenant.toLowerCase() !== tenant) {
    return { error: `the token is from tenant ${tenant}, not the configured tenant ${config.tenant.toLowerCase()}` };
  }
  if (config.allowed_tenants.length > 0 && !config.allowed_tenants.includes(tenant)) {
    return { error: `tenant ${tenant} is not in this source's allowed tenants` };
  }
  if (discovered.includes('{tenantid}')) {
    if (!MULTI_TENANT.includes(config.tenant)) return { error: 'the discovery document has a multi-tenant issuer, but this source names one tenant' };
    // The template's placeholder is replaced by the token's own (original-case) tenant id.
    return discovered.replace('{tenantid}', tid);
  }
  return discovered;
}

/** The whole rule, as the client applies it: the expected issuer exists and the token's `iss` is exactly it. */
export function entraAcceptsToken(discovered: string, claims: Record<string, unknown>, config: EntraConfig): { ok: true } | { ok: false; error: string } {
  const expected = entraExpectedIssuer(discovered, claims, config);
  if (typeof expected !== 'string') return { ok: false, error: expected.error };
  if (claims.iss !== expected) return { ok: false, error: `the token's issuer is not ${expected}` };
  return { ok: true };
}

/** `tid:oid`, both required: an object id is unique only within its tenant. */
export function entraSubject(claims: Record<string, unknown>): string {
  const { tid, oid } = claims;
  if (!isTenantId(tid) || !isTenantId(oid)) throw new Error('the Entra ID token has no tid and oid (is the "profile" scope requested?)');
  return `${tid.toLowerCase()}:${oid.toLowerCase()}`;
}

/**
 * Entra's `email` is whatever the tenant's admin or user typed in, and Entra sends no
 * `email_verified`. The optional claim `xms_edov` says the email's domain is verified by its
 * owner: only then does the email count as verified (for allowed domains and linking).
 */
export function entraClaims(claims: Record<string, unknown>): Record<string, unknown> {
  const edov = claims.xms_edov;
  return { ...claims, email_verified: edov === true || edov === 'true' || edov === 1 || edov === '1' };
}

function authority(ctx: Pick<PresetContext, 'config'>): string {
  return trimSlash(configString(ctx, 'authority') ?? ENTRA_AUTHORITY);
}

export const entra: Preset = {
  type: 'entra',
  label: 'Microsoft Entra ID',
  protocol: {
    kind: 'oidc',
    issuer: (ctx) => `${authority(ctx)}/${encodeURIComponent(entraConfig(ctx).tenant)}/v2.0`,
    expectedIssuer: (discovered, claims, ctx) => entraExpectedIssuer(discovered, claims, entraConfig(ctx)),
    subject: entraSubject,
    claims: entraClaims,
  },
  fields: [
    clientSecretField('A client secret value of the app registration (Certificates & secrets).'),
    {
      name: 'tenant',
      label: 'Tenant',
      help: 'Your Directory (tenant) ID for one organisation; "organizations" for any work or school account; "common" to also allow personal Microsoft accounts.',
      required: true,
      max: 36,
      validate: (value) =>
        typeof value === 'string' && (isTenantId(value) || MULTI_TENANT.includes(value))
          ? null
          : 'must be a Directory (tenant) ID such as 72f988bf-86f1-41af-91ab-2d7cd011db47, or "organizations" or "common"',
    },
    {
      name: 'allowed_tenants',
      label: 'Allowed tenants',
      help: 'With "organizations" or "common": the tenant IDs allowed to sign in. Leave empty to allow every tenant.',
      required: false,
      kind: 'list',
      max: 36,
      validate: (value) => {
        const list = Array.isArray(value) ? value : [value];
        const bad = list.find((t) => !isTenantId(t));
        return bad === undefined ? null : `has "${bad}", which is not a tenant ID (like 72f988bf-86f1-41af-91ab-2d7cd011db47)`;
      },
    },
    optionalUrlField('authority', 'Authority', 'Only for national clouds, e.g. https://login.microsoftonline.us. Leave empty for the global service.'),
  ],
  // Entra's provisioning sends the object id as externalId when the attribute mapping says so
  // (objectId → externalId); with one tenant configured, that is the subject `tid:oid` above.
  scimSubject: (externalId, ctx) => {
    const { tenant } = entraConfig(ctx);
    return isTenantId(tenant) && isTenantId(externalId) ? `${tenant.toLowerCase()}:${externalId.toLowerCase()}` : null;
  },
  default_scopes: ['openid', 'email', 'profile'],
  default_group_claim: 'roles',
  note: 'Users are identified by tenant id and object id (tid + oid), never by email. Emails count as verified only if the app registration sends the optional claim xms_edov. Groups come from app roles ("roles"); switch the group claim to "groups" if the app registration emits group claims.',
  docs_url: 'https://learn.microsoft.com/en-us/entra/identity-platform/quickstart-register-app',
};

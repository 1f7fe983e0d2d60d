// Each preset's settings as an admin fills them in: which fields are required, and the message
// a wrong value gets (a pasted https:// in a domain, a tenant name instead of its ID, a realm
// with a slash…). Every message completes "<field> …" in a 400 that names each invalid field.
// Also each preset's issuer or endpoints, computed from those settings.
import { describe, expect, it } from 'vitest';
import { parseNewSource } from '../../src/federation/input';
import { PRESETS, PRESETS_BY_TYPE } from '../../src/federation/presets';
import { ValidationError } from '../../src/lib/errors';
import type { OAuth2Protocol, OidcProtocol, Preset, PresetContext, PresetField } from '../../src/federation/types';

const preset = (type: string): Preset => {
  const found = PRESETS_BY_TYPE.get(type as Preset['type']);
  if (!found) throw new Error(`no preset ${type}`);
  return found;
};
const field = (type: string, name: string): PresetField => {
  const found = preset(type).fields.find((f) => f.name === name);
  if (!found) throw new Error(`${type} has no field ${name}`);
  return found;
};
const ctx = (config: PresetContext['config']): PresetContext => ({ config, secrets: { client_secret: 's' }, client_id: 'c' });
const issuer = (type: string, config: PresetContext['config']) => (preset(type).protocol as OidcProtocol).issuer(ctx(config));
const requiredFields = (type: string) => preset(type).fields.filter((f) => f.required).map((f) => f.name);

describe('every preset', () => {
  it('covers every provider type the issue names, once', () => {
    expect(PRESETS.map((p) => p.type).sort()).toEqual(
      ['active-directory', 'adfs', 'adfs-saml', 'apple', 'auth0', 'entra', 'entra-saml', 'facebook', 'github', 'google', 'google-saml', 'keycloak', 'ldap', 'linkedin', 'okta', 'okta-saml', 'saml', 'x'].sort(),
    );
  });

  const redirectFlows = PRESETS.filter((p) => p.protocol.kind === 'oidc' || p.protocol.kind === 'oauth2');
  it.each(redirectFlows.map((p) => [p.type, p] as const))('%s has a label, default scopes, unique snake_case fields and a way to authenticate', (_, p) => {
    expect(p.label).not.toBe('');
    expect(p.default_scopes.length).toBeGreaterThan(0);
    const names = p.fields.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
    // Either a stored client secret, or one the preset computes (Apple).
    expect(names.includes('client_secret') || p.client_secret !== undefined).toBe(true);
    if (p.protocol.kind === 'oidc') expect(p.default_scopes).toContain('openid');
  });

  it.each(['saml', 'adfs-saml', 'entra-saml', 'okta-saml', 'google-saml'])('%s (a SAML IdP) needs no client or scopes, only metadata, and trusts emails only where the IdP manages them', (type) => {
    expect(preset(type).default_scopes).toEqual([]);
    expect(preset(type).fields.map((f) => f.name)).toEqual(['metadata_url', 'metadata_xml', 'allow_idp_initiated', 'sign_authn_requests', 'allow_sha1']);
    expect(preset(type).validateConfig?.({})).toHaveProperty('metadata_url');
    const kind = preset(type).protocol;
    expect(kind.kind === 'saml' && kind.email_verified).toBe(['adfs-saml', 'okta-saml', 'google-saml'].includes(type));
  });

  it.each(['ldap', 'active-directory'])('%s (a directory) needs no client or scopes, and keeps its bind password secret', (type) => {
    expect(preset(type).default_scopes).toEqual([]);
    expect(requiredFields(type).sort()).toEqual(['bind_dn', 'bind_password', 'url', 'user_base_dn']);
    expect(field(type, 'bind_password').secret).toBe(true);
  });
});

describe('required settings', () => {
  it.each([
    ['entra', ['client_secret', 'tenant']],
    ['okta', ['domain', 'client_secret']],
    ['auth0', ['domain', 'client_secret']],
    ['keycloak', ['base_url', 'realm', 'client_secret']],
    ['adfs', ['base_url', 'client_secret']],
    ['apple', ['team_id', 'key_id', 'private_key']],
    ['google', ['client_secret']],
    ['github', ['client_secret']],
    ['facebook', ['client_secret']],
    ['linkedin', ['client_secret']],
    ['x', ['client_secret']],
  ])('%s requires %j', (type, names) => {
    expect(requiredFields(type).sort()).toEqual([...names].sort());
  });

  it('keeps secrets secret: client secrets, Apple’s private key and bind passwords are never stored in plain config', () => {
    for (const p of PRESETS) {
      const secret = ['client_secret', 'private_key', 'bind_password'];
      for (const f of p.fields) if (secret.includes(f.name)) expect(f.secret, `${p.type}.${f.name}`).toBe(true);
      for (const f of p.fields) if (!secret.includes(f.name)) expect(f.secret ?? false, `${p.type}.${f.name}`).toBe(false);
    }
  });
});

describe('field messages', () => {
  it.each([
    ['okta', 'domain', 'https://dev-123456.okta.com', /without https:\/\//],
    ['okta', 'domain', 'dev-123456.okta.com/oauth2/default', /without a path/],
    ['okta', 'domain', 'not a host', /host name such as dev-123456\.okta\.com/],
    ['okta', 'authorization_server', 'default/v1', /authorization server ID/],
    ['auth0', 'domain', 'https://example.eu.auth0.com/', /without https:\/\//],
    ['auth0', 'domain', 'localhost', /host name such as example\.eu\.auth0\.com/],
    ['entra', 'tenant', 'contoso.onmicrosoft.com', /Directory \(tenant\) ID .* "organizations" or "common"/],
    ['entra', 'tenant', 'consumers', /tenant/],
    ['entra', 'allowed_tenants', ['72f988bf-86f1-41af-91ab-2d7cd011db47', 'contoso'], /"contoso", which is not a tenant ID/],
    ['entra', 'authority', 'http://login.microsoftonline.us', /https/],
    ['keycloak', 'base_url', 'http://sso.example.com', /https/],
    ['keycloak', 'base_url', 'https://sso.example.com/?x=1', /query/],
    ['keycloak', 'base_url', 'sso.example.com', /absolute URL/],
    ['keycloak', 'realm', 'acme/../master', /realm name/],
    ['adfs', 'base_url', 'https://user:pw@adfs.example.com', /user name or password/],
    ['github', 'enterprise_url', 'http://github.example.com', /https/],
    ['apple', 'team_id', 'a1b2c3', /10-character Team ID/],
    ['apple', 'key_id', 'ABC123DEFG1', /10-character Key ID/],
    ['apple', 'private_key', 'MIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg', /BEGIN PRIVATE KEY/],
  ])('%s.%s refuses %j, saying what to write', (type, name, value, message) => {
    expect(field(type, name).validate!(value as string)).toMatch(message);
  });

  it.each([
    ['okta', 'domain', 'dev-123456.okta.com'],
    ['okta', 'domain', 'login.example.com'],
    ['okta', 'authorization_server', 'default'],
    ['okta', 'authorization_server', ''],
    ['auth0', 'domain', 'example.eu.auth0.com'],
    ['entra', 'tenant', '72f988bf-86f1-41af-91ab-2d7cd011db47'],
    ['entra', 'tenant', 'organizations'],
    ['entra', 'tenant', 'common'],
    ['entra', 'allowed_tenants', ['72f988bf-86f1-41af-91ab-2d7cd011db47']],
    ['keycloak', 'base_url', 'https://sso.example.com/auth'],
    ['keycloak', 'base_url', 'http://127.0.0.1:8080'],
    ['keycloak', 'realm', 'acme-prod'],
    ['adfs', 'base_url', 'https://adfs.example.com'],
    ['github', 'enterprise_url', 'https://github.example.com'],
    ['apple', 'team_id', 'A1B2C3D4E5'],

  ])('%s.%s accepts %j', (type, name, value) => {
    expect(field(type, name).validate!(value as string)).toBeNull();
  });
});

describe('issuers and endpoints from the settings', () => {
  it('computes each OpenID provider’s issuer', () => {
    expect(issuer('google', {})).toBe('https://accounts.google.com');
    expect(issuer('okta', { domain: 'dev-123456.okta.com' })).toBe('https://dev-123456.okta.com');
    expect(issuer('okta', { domain: 'dev-123456.okta.com', authorization_server: 'default' })).toBe('https://dev-123456.okta.com/oauth2/default');
    expect(issuer('auth0', { domain: 'example.eu.auth0.com' })).toBe('https://example.eu.auth0.com/');
    expect(issuer('keycloak', { base_url: 'https://sso.example.com/', realm: 'acme' })).toBe('https://sso.example.com/realms/acme');
    expect(issuer('keycloak', { base_url: 'https://old.example.com/auth', realm: 'acme' })).toBe('https://old.example.com/auth/realms/acme');
    expect(issuer('adfs', { base_url: 'https://adfs.example.com' })).toBe('https://adfs.example.com/adfs');
    expect(issuer('apple', {})).toBe('https://appleid.apple.com');
    expect(issuer('linkedin', {})).toBe('https://www.linkedin.com/oauth');
    expect(issuer('entra', { tenant: 'organizations' })).toBe('https://login.microsoftonline.com/organizations/v2.0');
  });

  it('describes LinkedIn’s quirks as flags for the OIDC client: no PKCE, no nonce, client_secret_post', () => {
    expect(preset('linkedin').protocol).toMatchObject({ pkce: false, nonce: false, token_auth: 'client_secret_post' });
  });

  it('uses client_secret_post where the provider insists (Auth0’s default, Apple, LinkedIn) and discovery elsewhere', () => {
    const auth = (type: string) => (preset(type).protocol as OidcProtocol).token_auth;
    expect(['auth0', 'apple', 'linkedin'].map(auth)).toEqual(['client_secret_post', 'client_secret_post', 'client_secret_post']);
    expect(['google', 'okta', 'keycloak', 'adfs', 'entra'].map(auth)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('uses each OAuth2 provider’s documented endpoints and client authentication', () => {
    const endpoints = (type: string) => {
      const p = preset(type).protocol as OAuth2Protocol;
      return [p.authorization_endpoint(ctx({})), p.token_endpoint(ctx({})), p.token_auth, p.pkce];
    };
    expect(endpoints('github')).toEqual(['https://github.com/login/oauth/authorize', 'https://github.com/login/oauth/access_token', 'client_secret_post', 'supported']);
    expect(endpoints('facebook')).toEqual(['https://www.facebook.com/v23.0/dialog/oauth', 'https://graph.facebook.com/v23.0/oauth/access_token', 'client_secret_post', 'none']);
    expect(endpoints('x')).toEqual(['https://x.com/i/oauth2/authorize', 'https://api.x.com/2/oauth2/token', 'client_secret_basic', 'required']);
  });
});

describe('through the admin API’s reader (parseNewSource)', () => {
  const fieldErrors = (body: Record<string, unknown>): Record<string, string> => {
    try {
      parseNewSource(body);
    } catch (error) {
      if (error instanceof ValidationError) return error.fields;
      throw error;
    }
    return {};
  };

  it.each([
    ['entra', { client_id: 'app' }, ['client_secret', 'tenant']],
    ['okta', { client_id: 'app' }, ['client_secret', 'domain']],
    ['auth0', { client_id: 'app', client_secret: 's' }, ['domain']],
    ['keycloak', { client_id: 'app', client_secret: 's' }, ['base_url', 'realm']],
    ['adfs', { client_id: 'app', client_secret: 's' }, ['base_url']],
    ['apple', { client_id: 'com.example.signin' }, ['key_id', 'private_key', 'team_id']],
    ['github', {}, ['client_id', 'client_secret']],
    ['facebook', { client_id: '123' }, ['client_secret']],
    ['x', { client_id: 'x' }, ['client_secret']],
  ])('%s names every missing setting in one answer', (type, body, missing) => {
    const errors = fieldErrors({ type, ...body });
    expect(Object.keys(errors).sort()).toEqual(missing);
    for (const name of missing) expect(errors[name]).toBe('is required');
  });

  it('passes on each field’s own message', () => {
    expect(fieldErrors({ type: 'okta', client_id: 'a', client_secret: 's', domain: 'https://dev-1.okta.com' })).toEqual({ domain: expect.stringContaining('without https://') });
    expect(fieldErrors({ type: 'entra', client_id: 'a', client_secret: 's', tenant: 'contoso' })).toEqual({ tenant: expect.stringContaining('Directory (tenant) ID') });
    expect(fieldErrors({ type: 'entra', client_id: 'a', client_secret: 's', tenant: 'common', allowed_tenants: ['nope'] })).toEqual({ allowed_tenants: expect.stringContaining('not a tenant ID') });
    expect(fieldErrors({ type: 'keycloak', client_id: 'a', client_secret: 's', base_url: 'http://kc.example.com', realm: 'a/b' })).toEqual({
      base_url: expect.stringContaining('https'),
      realm: expect.stringContaining('realm name'),
    });
  });

  it('refuses a field another type has (a client secret for Apple, a tenant for Okta)', () => {
    expect(fieldErrors({ type: 'apple', client_id: 'c', team_id: 'A1B2C3D4E5', key_id: 'ABC123DEFG', private_key: 'x', client_secret: 's' })).toMatchObject({ client_secret: expect.stringContaining('not a known field') });
    expect(fieldErrors({ type: 'okta', client_id: 'c', client_secret: 's', domain: 'dev-1.okta.com', tenant: 'common' })).toMatchObject({ tenant: expect.stringContaining('not a known field') });
  });

  it('accepts a complete source and fills in the preset’s defaults', () => {
    const input = parseNewSource({ type: 'entra', client_id: 'app', client_secret: 's', tenant: 'organizations', allowed_tenants: ['72F988BF-86F1-41AF-91AB-2D7CD011DB47'] });
    expect(input).toMatchObject({
      type: 'entra',
      name: 'Microsoft Entra ID',
      scopes: ['openid', 'email', 'profile'],
      group_map: { claim: 'roles' },
      config: { tenant: 'organizations', allowed_tenants: ['72F988BF-86F1-41AF-91AB-2D7CD011DB47'] },
      secrets: { client_secret: 's' },
    });
    expect(parseNewSource({ type: 'github', client_id: 'gh', client_secret: 's' })).toMatchObject({ scopes: ['read:user', 'user:email'], config: {} });
  });
});

// The identity source input parser: hostile JSON gets a ValidationError naming fields, never
// another exception; good input becomes a source with defaults filled in; secrets stay apart.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNewSource, parseSourceChanges, slugFrom } from '../../src/federation/input';
import { SLUG_PATTERN } from '../../src/lib/slug';
import type { IdentitySource } from '../../src/federation/types';
import { ValidationError } from '../../src/lib/errors';

const GOOD = { type: 'oidc', issuer: 'https://idp.example.com', client_id: 'edge', client_secret: 's3cret' };

describe('parseNewSource', () => {
  it('fills in the defaults and keeps the secret out of the config', () => {
    const input = parseNewSource(GOOD);
    expect(input).toMatchObject({
      type: 'oidc',
      name: 'OpenID Connect',
      enabled: true,
      show_on_login_page: true,
      provisioning: 'create',
      allowed_domains: [],
      trust_email_for_linking: false,
      scopes: ['openid', 'email', 'profile'],
      group_map: { claim: 'groups', prefix: '', rename: {} },
      config: { issuer: 'https://idp.example.com' },
      secrets: { client_secret: 's3cret' },
    });
    expect(input.config).not.toHaveProperty('client_secret');
  });

  it('accepts scopes and domains as one string, lower-cases domains', () => {
    const input = parseNewSource({ ...GOOD, scopes: 'openid  email groups', allowed_domains: 'Example.com, @corp.example' });
    expect(input.scopes).toEqual(['openid', 'email', 'groups']);
    expect(input.allowed_domains).toEqual(['example.com', 'corp.example']);
  });

  it('answers any JSON with a source or a ValidationError, never another exception', () => {
    const value = fc.oneof(fc.jsonValue(), fc.constantFrom('oidc', 'https://idp.example.com', 'openid email', ['openid'], { claim: 'groups' }));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('type', 'slug', 'name', 'issuer', 'client_id', 'client_secret', 'scopes', 'allowed_domains', 'claim_map', 'group_map', 'provisioning', 'enabled', 'tenant', '__proto__', 'constructor'), value), (body) => {
        try {
          const input = parseNewSource({ ...body });
          expect(input.type).toBeTruthy();
          expect(input.client_id).toBeTruthy();
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          expect(Object.keys((error as ValidationError).fields).length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseSourceChanges', () => {
  const stored: IdentitySource = {
    ...parseNewSource({ ...GOOD, slug: 'corp' }),
    slug: 'corp',
    secrets_set: ['client_secret'],
    created_at: 1,
    updated_at: 1,
  } as IdentitySource;

  it('merges type-specific fields into the stored config and keeps absent secrets', () => {
    const changes = parseSourceChanges({ issuer: 'https://idp2.example.com', name: 'Corp' }, stored);
    expect(changes.fields).toMatchObject({ name: 'Corp', config: { issuer: 'https://idp2.example.com' } });
    expect(changes.secrets).toEqual({});
  });

  it('refuses changing the type or the slug, and an empty secret', () => {
    for (const body of [{ type: 'google' }, { slug: 'other' }, { client_secret: '' }]) {
      expect(() => parseSourceChanges(body, stored)).toThrow(ValidationError);
    }
  });
});

describe('slugFrom', () => {
  it('always makes a valid slug', () => {
    expect(slugFrom('Acme Okta (prod)')).toBe('acme-okta-prod');
    fc.assert(
      fc.property(fc.string(), (name) => {
        expect(slugFrom(name)).toMatch(SLUG_PATTERN);
      }),
    );
  });
});

describe('an optional field left empty', () => {
  it('a github.com source saves with the GitHub Enterprise Server URL empty, on create and on edit', () => {
    const body = { type: 'github', name: 'GitHub', slug: 'github', client_id: 'Iv1.abc', client_secret: 'shh', enterprise_url: '' };
    const input = parseNewSource(body);
    expect(input.config.enterprise_url ?? '').toBe('');
    expect(input.secrets).toMatchObject({ client_secret: 'shh' });
    const source = { ...input, secrets_set: ['client_secret'] } as unknown as Parameters<typeof parseSourceChanges>[1];
    expect(() => parseSourceChanges({ enterprise_url: '' }, source)).not.toThrow();
    expect(() => parseNewSource({ ...body, enterprise_url: 'not a url' })).toThrow();
  });
});

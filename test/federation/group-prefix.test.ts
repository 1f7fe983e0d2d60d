// A new identity source's groups are prefixed with `<slug>:`, so an upstream cannot assert one of
// edge-sso's own group names (and open an app limited to it) unless the admin maps it on purpose.
import { describe, expect, it } from 'vitest';
import { toApiInput } from '../../src/federation/form';
import { parseNewSource } from '../../src/federation/input';
import { mapGroups } from '../../src/federation/mapping';

const base = { type: 'github', slug: 'gh', client_id: 'c', client_secret: 'upstream-secret-value' };

describe('the default group prefix', () => {
  it('is the slug and a colon for a new source, so an upstream "finance" is not edge-sso\'s "finance"', () => {
    const source = parseNewSource(base);
    expect(source.group_map.prefix).toBe('gh:');
    expect(mapGroups({ groups: ['finance'] }, source.group_map)).toEqual(['gh:finance']);
    expect(parseNewSource({ ...base, group_map: { claim: 'teams' } }).group_map).toMatchObject({ claim: 'teams', prefix: 'gh:' });
  });

  it('an empty prefix or a rename maps names on purpose', () => {
    const open = parseNewSource({ ...base, group_map: { prefix: '', rename: { Finance: 'finance' } } });
    expect(mapGroups({ groups: ['Finance'] }, open.group_map)).toEqual(['finance']);
  });

  it('the console: an empty field on a new source means the default; "No prefix" means none', () => {
    // A generic OIDC source (GitHub sends no groups, so its form has no group mapping).
    const values = { name: 'Corp ID', slug: 'corp', client_id: 'c', client_secret: 'upstream-secret-value', 'group_map.prefix': '', issuer: 'https://idp.example.com' };
    expect(parseNewSource(toApiInput('oidc', values, true).input).group_map.prefix).toBe('corp:');
    expect(parseNewSource(toApiInput('oidc', { ...values, 'group_map.no_prefix': 'on' }, true).input).group_map.prefix).toBe('');
  });
});

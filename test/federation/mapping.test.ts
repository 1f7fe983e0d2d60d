// Claim and group mapping: what an upstream sent becomes edge-sso's profile. Upstream claims are
// hostile input, so the functions are thrown arbitrary JSON by the thousand with fast-check.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { claimAt, groupList, mapGroups, mapProfile, MAX_GROUP_LENGTH, MAX_GROUPS, profileFromClaims } from '../../src/federation/mapping';
import type { GroupMap } from '../../src/federation/types';

const NO_GROUP_MAP: GroupMap = { claim: 'groups', prefix: '', rename: {} };

describe('profileFromClaims', () => {
  it('reads the standard OIDC claims', () => {
    const profile = profileFromClaims(
      { sub: 'abc', email: 'Ada@Example.com', email_verified: true, name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace', preferred_username: 'ada', groups: ['eng'], amr: ['pwd', 'mfa'] },
      'abc',
    );
    expect(profile).toMatchObject({ subject: 'abc', email: 'Ada@Example.com', email_verified: true, name: 'Ada Lovelace', username: 'ada', groups: ['eng'], amr: ['pwd', 'mfa'] });
  });

  it('treats only true (or the string "true") as a verified email', () => {
    for (const value of [true, 'true']) expect(profileFromClaims({ email_verified: value }, 's').email_verified).toBe(true);
    for (const value of [false, 'false', 1, 'yes', null, undefined, {}]) expect(profileFromClaims({ email_verified: value }, 's').email_verified).toBe(false);
  });

  it('never throws and keeps only short printable strings, whatever the claims', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (claims) => {
        const profile = profileFromClaims(claims, 'subject');
        for (const key of ['email', 'name', 'given_name', 'family_name', 'username'] as const) {
          const value = profile[key];
          if (value !== undefined) {
            expect(typeof value).toBe('string');
            expect(value.length).toBeLessThanOrEqual(254);
            expect(value).not.toMatch(/[\u0000-\u001f\u007f]/);
          }
        }
        expect(profile.groups.length).toBeLessThanOrEqual(MAX_GROUPS);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('claimAt', () => {
  it('reads a claim by name, or a dotted path into nested objects', () => {
    expect(claimAt({ 'https://example.com/roles': ['a'] }, 'https://example.com/roles')).toEqual(['a']);
    expect(claimAt({ address: { locality: 'Paris' } }, 'address.locality')).toBe('Paris');
    expect(claimAt({ realm_access: { roles: ['admin'] } }, 'realm_access.roles')).toEqual(['admin']);
  });

  it('never reaches into the prototype chain', () => {
    for (const path of ['constructor', '__proto__', 'toString', 'a.constructor', 'a.__proto__.x', 'hasOwnProperty']) {
      expect(claimAt({ a: {} }, path)).toBeUndefined();
    }
  });
});

describe('groupList', () => {
  it('accepts an array or one string, drops everything else', () => {
    expect(groupList(['a', 'b', 'a', '', '  ', 3, null, { x: 1 }, ['n']])).toEqual(['a', 'b', '3']);
    expect(groupList('admins')).toEqual(['admins']);
    expect(groupList(undefined)).toEqual([]);
    expect(groupList({ admins: true })).toEqual([]);
  });

  it('is bounded in count and length, without duplicates, for any input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(fc.oneof(fc.string({ maxLength: 400 }), fc.integer(), fc.jsonValue()), { maxLength: 300 }), fc.jsonValue()), (value) => {
        const groups = groupList(value);
        expect(groups.length).toBeLessThanOrEqual(MAX_GROUPS);
        expect(new Set(groups).size).toBe(groups.length);
        for (const g of groups) {
          expect(g.length).toBeGreaterThan(0);
          expect(g.length).toBeLessThanOrEqual(MAX_GROUP_LENGTH);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('mapGroups', () => {
  it('reads the configured claim, renames exact matches, then prefixes', () => {
    const map: GroupMap = { claim: 'roles', prefix: 'okta:', rename: { Engineering: 'eng', 'Org Admins': 'admins' } };
    expect(mapGroups({ roles: ['Engineering', 'Sales', 'Org Admins', 'engineering'], groups: ['ignored'] }, map)).toEqual(['okta:eng', 'okta:Sales', 'okta:admins', 'okta:engineering']);
  });

  it('merges groups renamed to the same name', () => {
    expect(mapGroups({ groups: ['A', 'B'] }, { claim: 'groups', prefix: '', rename: { A: 'x', B: 'x' } })).toEqual(['x']);
  });

  it('does not rename through inherited names such as "constructor"', () => {
    expect(mapGroups({ groups: ['constructor', 'toString'] }, NO_GROUP_MAP)).toEqual(['constructor', 'toString']);
  });

  it('every output is prefix + (renamed or original) upstream group, for any input', () => {
    const name = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() === s && !/[\u0000-\u001f\u007f]/.test(s));
    fc.assert(
      fc.property(fc.array(name, { maxLength: 50 }), fc.dictionary(name, name), fc.string({ maxLength: 10 }), (groups, rename, prefix) => {
        const mapped = mapGroups({ groups }, { claim: 'groups', prefix, rename });
        const expected = new Set(groups.map((g) => `${prefix}${Object.hasOwn(rename, g) ? rename[g] : g}`));
        for (const m of mapped) expect(expected.has(m)).toBe(true);
        expect(new Set(mapped)).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('mapProfile', () => {
  const upstream = profileFromClaims(
    { sub: 's', email: 'ada@example.com', email_verified: true, name: 'Ada', upn: 'ADA@corp.example.com', nickname: 'countess', groups: ['g1'] },
    's',
  );

  it('uses the standard claims without a claim map, with the email lower-cased', () => {
    expect(mapProfile({ ...upstream, email: 'Ada@Example.COM' }, {}, NO_GROUP_MAP)).toEqual({
      email: 'ada@example.com',
      email_verified: true,
      name: 'Ada',
      given_name: '',
      family_name: '',
      username: '',
      groups: ['g1'],
    });
  });

  it('takes mapped fields from the named claims', () => {
    const mapped = mapProfile(upstream, { username: 'nickname', email: 'upn' }, NO_GROUP_MAP);
    expect(mapped.username).toBe('countess');
    expect(mapped.email).toBe('ada@corp.example.com');
  });

  it('never treats an email from another claim as verified (email_verified speaks of `email` only)', () => {
    expect(mapProfile(upstream, { email: 'upn' }, NO_GROUP_MAP).email_verified).toBe(false);
    expect(mapProfile(upstream, { email: 'email' }, NO_GROUP_MAP).email_verified).toBe(true);
  });

  it('is never verified without an email', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.boolean(), (claims, verified) => {
        const mapped = mapProfile({ ...profileFromClaims(claims, 's'), email_verified: verified }, {}, NO_GROUP_MAP);
        if (mapped.email === '') expect(mapped.email_verified).toBe(false);
        expect(mapped.email).toBe(mapped.email.toLowerCase());
      }),
      { numRuns: 1000 },
    );
  });

  it('uses the groups a client parsed itself when the raw claims do not hold the group claim', () => {
    const oauth2 = { subject: '1', email_verified: false, groups: ['org/team'], raw: { id: 1 } };
    expect(mapProfile(oauth2, {}, { claim: 'groups', prefix: 'gh:', rename: {} }).groups).toEqual(['gh:org/team']);
  });
});

// Access rule evaluation (src/access/policy.ts), property-based: the decision any app's SSO URL,
// OIDC endpoints and My apps rely on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mayAccess } from '../../src/access/policy';
import { accessToJson, type RestrictedAccess } from '../../src/policy/access';

const name = fc.string({ minLength: 1, maxLength: 12 });
const subject = fc.record({ userId: name, groups: fc.array(name, { maxLength: 6 }) });
const restricted = fc.record({ groups: fc.array(name, { maxLength: 6 }), users: fc.array(name, { maxLength: 6 }) });

describe('mayAccess', () => {
  it('"everyone" (and a missing rule, from before rules existed) admits every subject', () => {
    fc.assert(
      fc.property(subject, (s) => {
        expect(mayAccess('everyone', s)).toBe(true);
        expect(mayAccess(null, s)).toBe(true);
        expect(mayAccess(undefined, s)).toBe(true);
      }),
    );
  });

  it('a restricted rule admits exactly the listed users and members of a listed group', () => {
    fc.assert(
      fc.property(restricted, subject, (rule, s) => {
        const expected = rule.users.includes(s.userId) || s.groups.some((g) => rule.groups.includes(g));
        expect(mayAccess(rule, s)).toBe(expected);
      }),
    );
  });

  it('a listed user is admitted whatever their groups; a member of a listed group whatever their id', () => {
    fc.assert(
      fc.property(restricted, subject, name, (rule, s, extra) => {
        expect(mayAccess({ ...rule, users: [...rule.users, s.userId] }, s)).toBe(true);
        expect(mayAccess({ ...rule, groups: [...rule.groups, extra] }, { ...s, groups: [...s.groups, extra] })).toBe(true);
      }),
    );
  });

  it('taking a user out of every listed group (and off the user list) refuses them', () => {
    fc.assert(
      fc.property(restricted, subject, (rule, s) => {
        const outside = { userId: s.userId, groups: s.groups.filter((g) => !rule.groups.includes(g)) };
        const listsNotUser: RestrictedAccess = { ...rule, users: rule.users.filter((u) => u !== s.userId) };
        expect(mayAccess(listsNotUser, outside)).toBe(false);
      }),
    );
  });

  it('matches group names exactly: no case folding, no prefixes, no trimming', () => {
    const rule = { groups: ['Payroll'], users: [] };
    expect(mayAccess(rule, { userId: 'u', groups: ['payroll'] })).toBe(false);
    expect(mayAccess(rule, { userId: 'u', groups: ['Payroll-admins'] })).toBe(false);
    expect(mayAccess(rule, { userId: 'u', groups: [' Payroll'] })).toBe(false);
    expect(mayAccess(rule, { userId: 'u', groups: ['Payroll'] })).toBe(true);
  });

  it('a restricted rule with empty lists admits no one (it is never read as "everyone")', () => {
    fc.assert(fc.property(subject, (s) => mayAccess({ groups: [], users: [] }, s) === false));
  });

  it('is monotone: adding groups to a subject or entries to a rule never takes access away', () => {
    fc.assert(
      fc.property(restricted, subject, fc.array(name), fc.array(name), (rule, s, moreGroups, moreUsers) => {
        if (!mayAccess(rule, s)) return;
        expect(mayAccess(rule, { ...s, groups: [...s.groups, ...moreGroups] })).toBe(true);
        expect(mayAccess({ groups: [...rule.groups, ...moreGroups], users: [...rule.users, ...moreUsers] }, s)).toBe(true);
      }),
    );
  });
});

describe('accessToJson', () => {
  it('is "everyone" for the default and the lists otherwise', () => {
    expect(accessToJson('everyone')).toBe('everyone');
    expect(accessToJson(null)).toBe('everyone');
    fc.assert(
      fc.property(restricted, (rule) => {
        expect(accessToJson(rule)).toEqual(rule);
      }),
    );
  });
});

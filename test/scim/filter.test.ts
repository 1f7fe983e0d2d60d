// The SCIM filter grammar (RFC 7644 §3.4.2.2) as a pure parser: round trips of generated filters,
// hostile input never escapes as anything but a FilterError, and the filters Entra ID and Okta send.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMPARE_OPS, FilterError, matches, MAX_FILTER_LENGTH, parseFilter, parsePatchPath, printFilter, type AttrPath, type Filter } from '../../src/scim/filter';

const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/).filter((n) => !['and', 'or', 'not', 'pr', 'true', 'false', 'null', ...COMPARE_OPS].includes(n));
const attrPath: fc.Arbitrary<AttrPath> = fc.record(
  { uri: fc.constantFrom('urn:ietf:params:scim:schemas:core:2.0:user', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user'), attr: name, sub: name },
  { requiredKeys: ['attr'] },
);
const compValue = fc.oneof(fc.string({ maxLength: 20 }), fc.integer({ min: -1e6, max: 1e6 }), fc.boolean(), fc.constant(null));

const filter: fc.Arbitrary<Filter> = fc.letrec<{ f: Filter }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ op: fc.constant('pr' as const), path: attrPath }),
    fc.record({ op: fc.constantFrom(...COMPARE_OPS), path: attrPath, value: compValue }),
    fc.record({ op: fc.constantFrom('and' as const, 'or' as const), left: tie('f'), right: tie('f') }),
    fc.record({ op: fc.constant('not' as const), filter: tie('f') }),
    fc.record({ op: fc.constant('has' as const), path: fc.record({ attr: name }), filter: fc.record({ op: fc.constant('eq' as const), path: fc.record({ attr: name }), value: fc.string({ maxLength: 8 }) }) as fc.Arbitrary<Filter> }),
  ),
})).f;

describe('parseFilter', () => {
  it('parses what it prints back to the same tree', () => {
    fc.assert(
      fc.property(filter, (f) => {
        expect(parseFilter(printFilter(f))).toEqual(f);
      }),
      { numRuns: 2000 },
    );
  });

  it('throws only FilterError on any text, never another exception', () => {
    const alphabet = fc.constantFrom(...'ab eqprnotandor()[]"\\.:0-9tfu '.split(''), 'eq', ' and ', ' or ', 'not (', '"x"', '[', ']', 'emails', '.value');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.array(alphabet, { maxLength: 40 }).map((a) => a.join(''))), (text) => {
        try {
          parseFilter(text);
        } catch (error) {
          expect(error).toBeInstanceOf(FilterError);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses nesting deep enough to exhaust the stack, and overlong filters, with FilterError', () => {
    expect(() => parseFilter(`${'('.repeat(500)}a pr${')'.repeat(500)}`)).toThrow(FilterError);
    expect(() => parseFilter(`${'not ('.repeat(300)}a pr${')'.repeat(300)}`)).toThrow(FilterError);
    expect(() => parseFilter(`a eq "${'x'.repeat(MAX_FILTER_LENGTH)}"`)).toThrow(/longer than/);
  });

  it('binds not tighter than and, and and tighter than or', () => {
    expect(parseFilter('a pr or b pr and c pr')).toEqual({ op: 'or', left: { op: 'pr', path: { attr: 'a' } }, right: { op: 'and', left: { op: 'pr', path: { attr: 'b' } }, right: { op: 'pr', path: { attr: 'c' } } } });
  });

  // Entra ID: "Microsoft Entra ID only uses the following operators: eq, and" and queries
  // userName eq "…" or emails[type eq "work"].value eq "…"; externalId eq "…" for matching.
  // https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups#users
  // Okta: GET /scim/v2/Users?filter=userName%20eq%20%22test.user%40okta.local%22
  // https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20#determine-if-the-user-already-exists
  it('reads the filters Entra ID and Okta send, case-insensitively for names and operators', () => {
    expect(parseFilter('userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"')).toEqual({ op: 'eq', path: { attr: 'username' }, value: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee' });
    expect(parseFilter('UserName EQ "test.user@okta.local"')).toEqual({ op: 'eq', path: { attr: 'username' }, value: 'test.user@okta.local' });
    expect(parseFilter('emails[type eq "work"].value eq "a@b.c"')).toEqual({
      op: 'has',
      path: { attr: 'emails' },
      filter: { op: 'and', left: { op: 'eq', path: { attr: 'type' }, value: 'work' }, right: { op: 'eq', path: { attr: 'value' }, value: 'a@b.c' } },
    });
    expect(parseFilter('id eq "1" and members[value eq "2"]').op).toBe('and');
    expect(parseFilter('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7"')).toEqual({
      op: 'eq',
      path: { uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user', attr: 'employeenumber' },
      value: '7',
    });
    expect(parseFilter('title eq "say \\"hi\\""')).toMatchObject({ value: 'say "hi"' });
  });

  it('says what is wrong', () => {
    expect(() => parseFilter('userName eq')).toThrow(/value/);
    expect(() => parseFilter('userName equals "x"')).toThrow(/operator/);
    expect(() => parseFilter('userName eq "x" and')).toThrow(/expression/);
    expect(() => parseFilter('(userName pr')).toThrow(/\)/);
    expect(() => parseFilter('userName eq "unterminated')).toThrow(/string/);
  });
});

describe('parsePatchPath', () => {
  it('reads attribute, sub-attribute, value-filtered and URN paths', () => {
    expect(parsePatchPath('active')).toEqual({ path: { attr: 'active' } });
    expect(parsePatchPath('name.familyName')).toEqual({ path: { attr: 'name', sub: 'familyname' } });
    expect(parsePatchPath('emails[type eq "work"].value')).toEqual({ path: { attr: 'emails' }, where: { op: 'eq', path: { attr: 'type' }, value: 'work' }, sub: 'value' });
    expect(parsePatchPath('members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]')).toEqual({ path: { attr: 'members' }, where: { op: 'eq', path: { attr: 'value' }, value: '89bb1940-b905-4575-9e7f-6f887cfb368e' } });
    expect(parsePatchPath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager')).toEqual({ path: { uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user', attr: 'manager' } });
  });

  it('throws only FilterError on hostile paths', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        try {
          parsePatchPath(text);
        } catch (error) {
          expect(error).toBeInstanceOf(FilterError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('matches', () => {
  it('evaluates a filter over a resource as its attributes say', () => {
    const user = { userName: 'Ada@Example.com', active: true, emails: [{ type: 'work', value: 'ada@example.com' }, { type: 'home', value: 'a@home.test' }], name: { givenName: 'Ada' } };
    expect(matches(parseFilter('userName eq "ada@example.com"'), user)).toBe(true);
    expect(matches(parseFilter('emails[type eq "home"].value eq "a@home.test"'), user)).toBe(true);
    expect(matches(parseFilter('emails[type eq "work"].value eq "a@home.test"'), user)).toBe(false);
    expect(matches(parseFilter('name.givenName sw "A" and not (active eq false)'), user)).toBe(true);
    expect(matches(parseFilter('title pr'), user)).toBe(false);
  });
});

// The directory sign-in's rules that need no directory: settings from a source, refusals made
// before any connection (an empty password is an anonymous bind that would succeed), AD's
// disabled bit, objectGUID subjects, the input rules for directory sources, and an unreachable
// directory reported as such (a real refused connection in workerd, never a throw).
import { describe, expect, it } from 'vitest';
import { checkDirectoryPassword, directorySettings, guidString, isDisabledAccount, lookupDirectoryUser, subjectOf } from '../../src/federation/ldap/directory';
import { parseDirectoryUrl } from '../../src/federation/ldap/url';
import { parseNewSource, parseSourceChanges } from '../../src/federation/input';
import type { IdentitySource } from '../../src/federation/types';
import { ValidationError } from '../../src/lib/errors';

const GOOD = { type: 'ldap', url: 'ldaps://ldap.example.com', bind_dn: 'cn=svc,dc=example,dc=com', bind_password: 'svc-secret', user_base_dn: 'ou=people,dc=example,dc=com' };

function sourceFrom(body: Record<string, unknown>): { source: IdentitySource; secrets: Record<string, string> } {
  const input = parseNewSource(body);
  const { secrets, slug, ...rest } = input;
  return { source: { ...rest, slug: slug ?? 'dir', secrets_set: Object.keys(secrets), created_at: 0, updated_at: 0 }, secrets };
}

function fieldsOf(fn: () => unknown): Record<string, string> {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.fields;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

const neverConnect = () => {
  throw new Error('no connection may be opened');
};

describe('directory sources: input', () => {
  it('needs no client ID; the bind password is a secret, apart from the config', () => {
    const input = parseNewSource({ ...GOOD, start_tls: false, timeout_ms: 2000, use_for_password_login: true });
    expect(input.config).toEqual({ url: GOOD.url, bind_dn: GOOD.bind_dn, user_base_dn: GOOD.user_base_dn, start_tls: false, timeout_ms: 2000, use_for_password_login: true });
    expect(input.secrets).toEqual({ bind_password: 'svc-secret' });
    expect(input.client_id).toBe('');
    expect(input.scopes).toEqual([]);
  });

  it('refuses plain ldap:// off loopback, ldaps with StartTLS, a filter without {login}, nested groups without a group base', () => {
    expect(fieldsOf(() => parseNewSource({ ...GOOD, url: 'ldap://ldap.example.com' })).url).toMatch(/ldaps:\/\/.*start_tls/);
    expect(fieldsOf(() => parseNewSource({ ...GOOD, start_tls: true })).url).toMatch(/turn start_tls off/);
    expect(fieldsOf(() => parseNewSource({ ...GOOD, user_filter: '(uid=alice)' })).user_filter).toMatch(/\{login\}/);
    expect(fieldsOf(() => parseNewSource({ ...GOOD, user_filter: '(uid={login}' })).user_filter).toMatch(/not a valid LDAP filter/);
    expect(fieldsOf(() => parseNewSource({ ...GOOD, type: 'active-directory', nested_groups: true })).group_base_dn).toMatch(/nested/);
    expect(fieldsOf(() => parseNewSource({ ...GOOD, timeout_ms: 10 })).timeout_ms).toMatch(/500 to 30000/);
    expect(fieldsOf(() => parseNewSource({ ...GOOD, url: 'https://ldap.example.com' })).url).toMatch(/ldaps:\/\/ or ldap:\/\//);
    // StartTLS makes ldap:// acceptable; loopback may be plain for local development.
    expect(parseNewSource({ ...GOOD, url: 'ldap://ldap.example.com:389', start_tls: true }).config.start_tls).toBe(true);
    expect(parseNewSource({ ...GOOD, url: 'ldap://127.0.0.1:3389' }).config.url).toBe('ldap://127.0.0.1:3389');
  });

  it('a change that turns StartTLS off on a remote ldap:// URL is refused', () => {
    const { source } = sourceFrom({ ...GOOD, url: 'ldap://ldap.example.com', start_tls: true });
    expect(fieldsOf(() => parseSourceChanges({ start_tls: false }, source)).url).toMatch(/start_tls/);
    expect(parseSourceChanges({ timeout_ms: 9000 }, source).fields.config).toMatchObject({ timeout_ms: 9000, start_tls: true });
  });

  it('transports: ldaps is TLS from the start, ldap + start_tls upgrades, plain only on loopback', () => {
    expect(parseDirectoryUrl('ldaps://dc.example.com', false)).toEqual({ hostname: 'dc.example.com', port: 636, transport: 'ldaps' });
    expect(parseDirectoryUrl('ldap://dc.example.com', true)).toEqual({ hostname: 'dc.example.com', port: 389, transport: 'starttls' });
    expect(parseDirectoryUrl('ldap://[::1]:1389', false)).toEqual({ hostname: '::1', port: 1389, transport: 'plain' });
    expect(parseDirectoryUrl('ldaps://u:p@dc.example.com', false)).toMatch(/user name or password/);
    expect(parseDirectoryUrl('ldaps://dc.example.com/dc=x', false)).toMatch(/base DN/);
  });
});

describe('directory sources: the check', () => {
  it('defaults per preset: OpenLDAP attributes and filter, AD attributes, filter and userAccountControl', () => {
    const ldap = directorySettings(...Object.values(sourceFrom(GOOD)) as [IdentitySource, Record<string, string>]);
    const ad = directorySettings(...Object.values(sourceFrom({ ...GOOD, type: 'active-directory' })) as [IdentitySource, Record<string, string>]);
    if (typeof ldap === 'string' || typeof ad === 'string') throw new Error('settings expected');
    expect(ldap.filter).toBe('(|(uid={login})(mail={login}))');
    expect(ldap.attributes).toEqual(expect.arrayContaining(['mail', 'cn', 'givenName', 'sn', 'uid', 'memberOf', 'entryUUID']));
    expect(ad.filter).toBe('(|(sAMAccountName={login})(userPrincipalName={login}))');
    expect(ad.attributes).toEqual(expect.arrayContaining(['mail', 'displayName', 'givenName', 'sn', 'sAMAccountName', 'userAccountControl', 'objectGUID']));
    expect(ldap.timeoutMs).toBe(5000);
  });

  it('an empty password or login is refused before any connection is opened', async () => {
    const { source, secrets } = sourceFrom(GOOD);
    const settings = directorySettings(source, secrets);
    if (typeof settings === 'string') throw new Error(settings);
    expect(await checkDirectoryPassword(settings, 'alice', '', { connect: neverConnect as never })).toEqual({ kind: 'refused', reason: 'empty_password' });
    expect(await checkDirectoryPassword(settings, '   ', 'pw', { connect: neverConnect as never })).toEqual({ kind: 'refused', reason: 'no_user' });
  });

  it('a directory that refuses the connection is "unavailable", with a detail for admins', async () => {
    const { source, secrets } = sourceFrom({ ...GOOD, url: 'ldap://127.0.0.1:1', timeout_ms: 2000 });
    const settings = directorySettings(source, secrets);
    if (typeof settings === 'string') throw new Error(settings);
    const result = await checkDirectoryPassword(settings, 'alice', 'pw');
    expect(result.kind).toBe('unavailable');
    expect(JSON.stringify(result)).not.toContain('pw"');
    expect((await lookupDirectoryUser(settings, 'alice')).kind).toBe('unavailable');
  });

  it('AD userAccountControl bit 2 marks a disabled account', () => {
    expect(isDisabledAccount('514')).toBe(true); // NORMAL_ACCOUNT | ACCOUNTDISABLE
    expect(isDisabledAccount('66050')).toBe(true);
    expect(isDisabledAccount('512')).toBe(false);
    expect(isDisabledAccount('66048')).toBe(false);
    expect(isDisabledAccount(undefined)).toBe(false);
    expect(isDisabledAccount('not a number')).toBe(false);
  });

  it('subjects: entryUUID, else objectGUID in its text form, else the DN', () => {
    const guid = Uint8Array.from([0x78, 0x56, 0x34, 0x12, 0x34, 0x12, 0x78, 0x56, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]);
    expect(guidString(guid)).toBe('12345678-1234-5678-1234-56789abcdef0');
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(subjectOf({ dn: 'uid=a', attributes: new Map([['entryUUID', [enc('u-1')]]]) })).toBe('u-1');
    expect(subjectOf({ dn: 'CN=A', attributes: new Map([['objectGUID', [guid]]]) })).toBe('12345678-1234-5678-1234-56789abcdef0');
    expect(subjectOf({ dn: 'uid=a,dc=x', attributes: new Map() })).toBe('uid=a,dc=x');
  });
});

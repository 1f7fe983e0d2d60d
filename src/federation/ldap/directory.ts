// Checking a password against a directory: bind as the service account, find the one user the
// filter matches, bind as that user with the typed password, then read the profile and groups.
// Nothing is cached: every sign-in asks the directory again. The password is only ever sent in
// the bind request; it is never logged nor put in an error.
import { DEFAULT_TIMEOUT_MS } from '../presets/ldap';
import { presetFor } from '../registry';
import type { IdentitySource, LdapProtocol, SourceSecrets, UpstreamProfile } from '../types';
import { decodeString } from './ber';
import { LdapConnection, LdapError, type ConnectOptions } from './client';
import { groupName } from './dn';
import { userFilter } from './filter';
import { IN_CHAIN_OID, RESULT, type SearchEntry } from './messages';
import { parseDirectoryUrl, type DirectoryAddress } from './url';

/** AD userAccountControl ACCOUNTDISABLE. */
export const ACCOUNT_DISABLED_BIT = 0x2;
const MAX_GROUPS = 500;

export interface DirectorySettings {
  address: DirectoryAddress;
  bindDn: string;
  bindPassword: string;
  userBaseDn: string;
  filter: string;
  groupBaseDn?: string;
  nestedGroups: boolean;
  /** How long a whole sign-in may talk to the directory: connect, StartTLS, binds, searches. */
  timeoutMs: number;
  protocol: LdapProtocol;
  /** The attributes each profile field is read from (the preset's, or claim_map's). */
  attributes: string[];
}

export type DirectoryCheck =
  | { kind: 'ok'; dn: string; profile: UpstreamProfile }
  /** No such user, more than one match, or the wrong password: one answer for all, so nobody learns which. */
  | { kind: 'refused'; reason: 'no_user' | 'ambiguous' | 'wrong_password' | 'empty_password' }
  /** The entry was found, but `beforeBind` held its password check back (the account is locked): nothing was sent for it. */
  | { kind: 'held'; hold: Hold }
  /** The right password for an account the directory marks disabled (AD userAccountControl bit 2). */
  | { kind: 'disabled'; dn: string }
  /** The directory could not be reached or answered wrongly (`detail` is for the audit trail and admins). */
  | { kind: 'unavailable'; detail: string };

/** The settings of an ldap source, or a message when it is not set up completely. */
export function directorySettings(source: IdentitySource, secrets: SourceSecrets): DirectorySettings | string {
  const preset = presetFor(source.type);
  if (preset.protocol.kind !== 'ldap') return `${source.slug} is not a directory`;
  const protocol = preset.protocol;
  const text = (name: string) => (typeof source.config[name] === 'string' ? (source.config[name] as string).trim() : '');
  const address = parseDirectoryUrl(text('url'), source.config.start_tls === true);
  if (typeof address === 'string') return `url ${address}`;
  if (!secrets.bind_password) return 'no service account password is set';
  const mapped = { ...protocol.attributes, ...source.claim_map };
  const attributes = [...new Set([...Object.values(mapped), 'memberOf', 'entryUUID', 'objectGUID', ...(protocol.active_directory ? ['userAccountControl'] : [])])];
  return {
    address,
    bindDn: text('bind_dn'),
    bindPassword: secrets.bind_password,
    userBaseDn: text('user_base_dn'),
    filter: text('user_filter') || protocol.default_filter,
    groupBaseDn: text('group_base_dn') || undefined,
    nestedGroups: source.config.nested_groups === true,
    timeoutMs: typeof source.config.timeout_ms === 'number' ? source.config.timeout_ms : DEFAULT_TIMEOUT_MS,
    protocol,
    attributes,
  };
}

/** The first value of an attribute, matched case-insensitively (servers spell names their way). */
function values(entry: SearchEntry, name: string): Uint8Array[] {
  const wanted = name.toLowerCase();
  for (const [key, list] of entry.attributes) if (key.toLowerCase() === wanted) return list;
  return [];
}
const first = (entry: SearchEntry, name: string): string | undefined => {
  const [value] = values(entry, name);
  return value ? decodeString(value) : undefined;
};

/** AD's objectGUID (16 bytes, first three fields little-endian) in its usual text form. */
export function guidString(bytes: Uint8Array): string | undefined {
  if (bytes.length !== 16) return undefined;
  const hex = (range: number[]) => range.map((i) => bytes[i]!.toString(16).padStart(2, '0')).join('');
  return `${hex([3, 2, 1, 0])}-${hex([5, 4])}-${hex([7, 6])}-${hex([8, 9])}-${hex([10, 11, 12, 13, 14, 15])}`;
}

/** The stable subject users are linked by: entryUUID (OpenLDAP), objectGUID (AD), else the DN. */
export function subjectOf(entry: SearchEntry): string {
  const guid = values(entry, 'objectGUID')[0];
  return first(entry, 'entryUUID') ?? (guid && guidString(guid)) ?? entry.dn;
}

/** Whether AD says the account is disabled (userAccountControl bit 2). */
export function isDisabledAccount(userAccountControl: string | undefined): boolean {
  if (userAccountControl === undefined || !/^-?\d{1,12}$/.test(userAccountControl.trim())) return false;
  return (Number(userAccountControl.trim()) & ACCOUNT_DISABLED_BIT) !== 0;
}

/** The user's groups: memberOf, or a search of the group base (the first MAX_GROUPS; the group search is the last thing asked). */
async function findGroups(connection: LdapConnection, settings: DirectorySettings, entry: SearchEntry): Promise<string[]> {
  if (!settings.groupBaseDn) return values(entry, 'memberOf').map((v) => groupName(decodeString(v))).slice(0, MAX_GROUPS);
  const dn = new TextEncoder().encode(entry.dn);
  const groups = await connection.search({
    base: settings.groupBaseDn,
    scope: 2,
    filter: settings.nestedGroups ? { extensible: { attribute: 'member', rule: IN_CHAIN_OID, value: dn, dn: false } } : { or: [{ equal: ['member', dn] }, { equal: ['uniqueMember', dn] }] },
    attributes: ['cn'],
    sizeLimit: MAX_GROUPS,
  });
  return groups.entries.map((g) => first(g, 'cn') ?? groupName(g.dn));
}

function profileOf(settings: DirectorySettings, entry: SearchEntry, groups: string[]): UpstreamProfile {
  const raw: Record<string, unknown> = { dn: entry.dn };
  for (const name of settings.attributes) {
    const value = first(entry, name);
    if (value !== undefined && name !== 'objectGUID') raw[name] = value;
  }
  raw.groups = groups;
  const attr = settings.protocol.attributes;
  const text = (name: string) => (typeof raw[name] === 'string' ? (raw[name] as string) : undefined);
  const email = text(attr.email);
  return {
    subject: subjectOf(entry),
    email,
    // The directory is run by the company: its addresses are as verified as edge-sso's own.
    email_verified: email !== undefined,
    name: text(attr.name),
    given_name: text(attr.given_name),
    family_name: text(attr.family_name),
    username: text(attr.username),
    groups,
    raw,
    amr: ['pwd'],
  };
}

/**
 * Opens a connection with one deadline for all `run` does (the source's timeout, or the caller's
 * earlier `options.deadline`), binds as the service account, runs, and always closes.
 */
async function withConnection<T>(settings: DirectorySettings, options: Partial<ConnectOptions>, run: (connection: LdapConnection) => Promise<T>): Promise<T | { kind: 'unavailable'; detail: string }> {
  let connection: LdapConnection | undefined;
  const deadline = Math.min(options.deadline ?? Infinity, Date.now() + settings.timeoutMs);
  try {
    connection = await LdapConnection.open(settings.address, { ...options, deadline });
    const service = await connection.bind(settings.bindDn, settings.bindPassword);
    if (service.code !== RESULT.success) return { kind: 'unavailable', detail: `the service account bind was refused (result ${service.code}${service.diagnostic ? `: ${service.diagnostic}` : ''})` };
    return await run(connection);
  } catch (error) {
    if (error instanceof LdapError) return { kind: 'unavailable', detail: error.message };
    throw error;
  } finally {
    await connection?.close();
  }
}

/** The one entry a login names: a login that matches several entries names none (asked with size limit 1, so a second is "exceeded"). */
async function findUser(connection: LdapConnection, settings: DirectorySettings, login: string): Promise<{ entry: SearchEntry } | { matches: number }> {
  const { entries, exceeded } = await connection.search({ base: settings.userBaseDn, scope: 2, filter: userFilter(settings.filter, login), attributes: settings.attributes, sizeLimit: 1 });
  return entries.length === 1 && !exceeded ? { entry: entries[0]! } : { matches: exceeded ? 2 : entries.length };
}

/**
 * What `beforeBind` answers: null lets the password be checked; anything else holds it back and
 * comes back in the `held` result (the caller's lock, whatever it says).
 */
export type Hold = { retryAfterSeconds: number; by: 'account' | 'busy' };
export type BeforeBind = (entry: { dn: string; subject: string }) => Promise<Hold | null>;

/**
 * The sign-in check. `login` is what the person typed (a login name or an email address).
 * `beforeBind` is asked once the search has resolved the login to one entry, before its password
 * is sent: the caller's throttle counts that entry, whatever spelling reached it.
 */
export async function checkDirectoryPassword(settings: DirectorySettings, login: string, password: string, options: Partial<ConnectOptions> = {}, beforeBind?: BeforeBind): Promise<DirectoryCheck> {
  // An empty password is an unauthenticated bind (RFC 4513 §5.1.2) that many servers accept.
  if (password === '') return { kind: 'refused', reason: 'empty_password' };
  if (login.trim() === '') return { kind: 'refused', reason: 'no_user' };
  return withConnection<DirectoryCheck>(settings, options, async (connection) => {
    const found = await findUser(connection, settings, login.trim());
    if (!('entry' in found)) return { kind: 'refused', reason: found.matches === 0 ? 'no_user' : 'ambiguous' };
    const { entry } = found;
    const hold = beforeBind ? await beforeBind({ dn: entry.dn, subject: subjectOf(entry) }) : null;
    if (hold) return { kind: 'held', hold };
    const bound = await connection.bind(entry.dn, password);
    if (bound.code !== RESULT.success) return { kind: 'refused', reason: 'wrong_password' };
    if (settings.protocol.active_directory && isDisabledAccount(first(entry, 'userAccountControl'))) return { kind: 'disabled', dn: entry.dn };
    // Groups are read as the service account: a user may not be allowed to read group entries.
    if (settings.groupBaseDn) {
      const service = await connection.bind(settings.bindDn, settings.bindPassword);
      if (service.code !== RESULT.success) return { kind: 'unavailable', detail: `the service account bind was refused (result ${service.code})` };
    }
    return { kind: 'ok', dn: entry.dn, profile: profileOf(settings, entry, await findGroups(connection, settings, entry)) };
  });
}

export type DirectoryLookup =
  | { kind: 'found'; dn: string; profile: UpstreamProfile; disabled: boolean }
  /** `matches`: 0, or 2 for "more than one" (the search stops reading at the second). */
  | { kind: 'not_found'; matches: number }
  | { kind: 'unavailable'; detail: string };

/** For Test connection: the service bind, and the profile and groups of a login name, without its password. */
export async function lookupDirectoryUser(settings: DirectorySettings, login: string, options: Partial<ConnectOptions> = {}): Promise<DirectoryLookup> {
  return withConnection<DirectoryLookup>(settings, options, async (connection) => {
    if (login.trim() === '') return { kind: 'not_found', matches: 0 };
    const found = await findUser(connection, settings, login.trim());
    if (!('entry' in found)) return { kind: 'not_found', matches: found.matches };
    const { entry } = found;
    const disabled = settings.protocol.active_directory && isDisabledAccount(first(entry, 'userAccountControl'));
    return { kind: 'found', dn: entry.dn, profile: profileOf(settings, entry, await findGroups(connection, settings, entry)), disabled };
  });
}

// A directory password sign-in, from the typed login and password to an edge-sso user: the
// directory check (./directory.ts), then the same account rules as every identity source
// (../accounts.ts): found by (source, entryUUID/objectGUID/DN), created or updated just in time,
// with profile and groups from the directory. Throttling stays with the caller (src/login/sign-in.ts):
// its `gate` is asked, once the directory has named the entry, before the entry's password is sent.
import { inArray } from 'drizzle-orm';
import { database } from '../../db/client';
import { identitySources } from '../../db/schema';
import type { Bindings } from '../../env';
import type { User } from '../../users/user';
import { linkedEmail, resolveAccount } from '../accounts';
import type { Refusal } from '../linking';
import { mapProfile } from '../mapping';
import { loadServedSource, type SourceWithSecrets } from '../store';
import { directorySettings, checkDirectoryPassword, type DirectoryCheck, type Hold } from './directory';
import type { ConnectOptions } from './client';

export const DIRECTORY_TYPES = ['ldap', 'active-directory'] as const;

export type DirectoryOutcome =
  | { kind: 'signed-in'; user: User; source: string }
  /** Unknown login, several matches, or the wrong password: one answer for all. */
  | { kind: 'refused'; source: string; reason: string }
  /** The right password, but the directory or edge-sso marks the account disabled. */
  | { kind: 'disabled'; source: string; target: string }
  /** The right password, but the account rules refuse it (e.g. the email belongs to an unlinked local account). */
  | { kind: 'refusal'; source: string; sourceName: string; reason: Refusal; target: string }
  /** The directory could not be reached, or its service account was refused. */
  | { kind: 'unavailable'; source: string; sourceName: string; detail: string }
  /** The gate held the password check back (the account is locked, or too many checks are in flight for it). */
  | { kind: 'held'; source: string; hold: Hold };

/**
 * The account a login resolved to, before its password is checked: the directory entry and, when
 * an edge-sso user is linked to it, that user's email. Answers null to go on, or why not.
 */
export type AccountGate = (account: { source: string; subject: string; linkedEmail: string | null }) => Promise<Hold | null>;

/** Checks `login`/`password` against one directory source and finds or provisions the user. */
export async function signInWithDirectory(
  stores: Pick<Bindings, 'DB' | 'KV'>,
  found: SourceWithSecrets,
  login: string,
  password: string,
  options: Partial<ConnectOptions> = {},
  gate?: AccountGate,
): Promise<DirectoryOutcome> {
  const { source, secrets } = found;
  const settings = directorySettings(source, secrets);
  if (typeof settings === 'string') return { kind: 'unavailable', source: source.slug, sourceName: source.name, detail: `not set up completely: ${settings}` };
  const beforeBind = gate && (async ({ subject }: { subject: string }) => gate({ source: source.slug, subject, linkedEmail: await linkedEmail(database(stores.DB), source.slug, subject) }));
  const check: DirectoryCheck = await checkDirectoryPassword(settings, login, password, options, beforeBind);
  switch (check.kind) {
    case 'held':
      return { kind: 'held', source: source.slug, hold: check.hold };
    case 'unavailable':
      return { kind: 'unavailable', source: source.slug, sourceName: source.name, detail: check.detail };
    case 'refused':
      return { kind: 'refused', source: source.slug, reason: check.reason };
    case 'disabled':
      return { kind: 'disabled', source: source.slug, target: check.dn };
  }
  const mapped = mapProfile(check.profile, source.claim_map, source.group_map);
  const account = await resolveAccount(stores, source, check.profile, mapped);
  if (!account.ok) {
    if (account.reason === 'disabled') return { kind: 'disabled', source: source.slug, target: mapped.email || check.dn };
    return { kind: 'refusal', source: source.slug, sourceName: source.name, reason: account.reason, target: mapped.email || check.dn };
  }
  return { kind: 'signed-in', user: account.user, source: source.slug };
}

/** The enabled directory sources marked `use_for_password_login`, with their secrets, by name. */
export async function passwordLoginSources(env: Bindings): Promise<SourceWithSecrets[]> {
  const rows = await database(env.DB)
    .select({ slug: identitySources.slug, config: identitySources.config, enabled: identitySources.enabled })
    .from(identitySources)
    .where(inArray(identitySources.type, [...DIRECTORY_TYPES]))
    .orderBy(identitySources.name)
    .limit(20);
  const marked = rows.filter((r) => r.enabled && r.config.use_for_password_login === true);
  const loaded = await Promise.all(marked.map((r) => loadServedSource(env, r.slug)));
  return loaded.filter((s): s is SourceWithSecrets => s !== null);
}

/**
 * "User federation": the default login form's check for someone without a local password. Tries
 * each marked directory in turn; the first that knows the login decides. An unreachable directory
 * is reported only when no other directory signed the person in.
 */
export async function federatedPasswordCheck(env: Bindings, login: string, password: string, gate?: AccountGate): Promise<DirectoryOutcome | null> {
  const sources = await passwordLoginSources(env);
  // One deadline for the whole check, however many directories it asks: the longest timeout among them.
  const deadline = Date.now() + Math.max(0, ...sources.map(({ source, secrets }) => {
    const settings = directorySettings(source, secrets);
    return typeof settings === 'string' ? 0 : settings.timeoutMs;
  }));
  let unavailable: DirectoryOutcome | null = null;
  for (const found of sources) {
    const outcome = await signInWithDirectory(env, found, login, password, { deadline }, gate);
    if (outcome.kind === 'unavailable') unavailable ??= outcome;
    else if (outcome.kind !== 'refused' || outcome.reason === 'wrong_password') return outcome;
  }
  return unavailable;
}

// Self sign-up settings, in the D1 `settings` table under `signup`. Off by default.
import { eq } from 'drizzle-orm';
import { database } from '../db/client';
import { replicaSession } from '../db/replica';
import { settings } from '../db/schema';
import { settingsFrom, type Bindings } from '../env';
import { TtlCache } from '../lib/ttl-cache';
import { asObject, FieldReader } from '../lib/validation';

export interface SignupSettings {
  enabled: boolean;
  /** Email domains that may sign up (exact match, lower case); empty: every domain. */
  allowedDomains: string[];
  /** A verified sign-up waits for an admin's approval before it can sign in. */
  requireApproval: boolean;
}

export const DEFAULT_SIGNUP: SignupSettings = { enabled: false, allowedDomains: [], requireApproval: false };
const KEY = 'signup';
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Read on every sign-up request (not cached: turning sign-up off must take effect at once). */
export async function loadSignupSettings(env: Pick<Bindings, 'DB'>): Promise<SignupSettings> {
  const [row] = await database(env.DB).select().from(settings).where(eq(settings.key, KEY)).limit(1);
  return { ...DEFAULT_SIGNUP, ...((row?.value as Partial<SignupSettings> | undefined) ?? {}) };
}

const shown = new TtlCache<'signup', Promise<SignupSettings>>(1);

/**
 * For the login page's "Create an account" link only: cached in the isolate, so showing the page
 * waits on no D1 call. The sign-up routes themselves read loadSignupSettings, so turning sign-up
 * off refuses sign-ups at once; a stale link then leads to the refusal.
 */
export function signupSettingsShown(env: Pick<Bindings, 'DB' | 'CONFIG_CACHE_SECONDS'>): Promise<SignupSettings> {
  return TtlCache.load(shown, 'signup', settingsFrom(env as Bindings).configCacheSeconds, () => loadSignupSettings({ DB: replicaSession(env.DB) as unknown as D1Database }));
}

export async function saveSignupSettings(env: Pick<Bindings, 'DB'>, value: SignupSettings): Promise<void> {
  await database(env.DB).insert(settings).values({ key: KEY, value }).onConflictDoUpdate({ target: settings.key, set: { value } });
  shown.clear();
}

/** Pure: one domain per line or comma, lower-cased; returns the problems by line. */
export function parseDomainList(text: string): { domains: string[]; problem?: string } {
  const domains = [...new Set(text.split(/[\s,]+/).map((d) => d.trim().toLowerCase().replace(/^@/, '')).filter(Boolean))];
  const bad = domains.filter((d) => !DOMAIN.test(d));
  if (bad.length) return { domains, problem: `not a domain name: ${bad.slice(0, 5).join(', ')}` };
  if (domains.length > 200) return { domains, problem: 'at most 200 domains' };
  return { domains };
}

/** Pure: whether an address may sign up under an allow-list (exact domain: `example.com` allows neither `sub.example.com` nor `evil-example.com`). */
export function domainMayRegister(email: string, allowedDomains: readonly string[]): boolean {
  if (allowedDomains.length === 0) return true;
  const at = email.lastIndexOf('@');
  return at > 0 && allowedDomains.includes(email.slice(at + 1).toLowerCase());
}

/** The admin API's JSON: `{ enabled, allowed_domains, require_approval }`, each optional (a PATCH). */
export function parseSignupChanges(body: unknown, current: SignupSettings): SignupSettings {
  const fields = new FieldReader(asObject(body));
  fields.onlyKeys(['enabled', 'allowed_domains', 'require_approval']);
  const enabled = fields.boolean('enabled');
  const list = fields.stringList('allowed_domains', { maxItems: 200, maxLength: 253 });
  let allowedDomains: string[] | undefined;
  if (list) {
    const parsed = parseDomainList(list.join('\n'));
    if (parsed.problem) fields.fail('allowed_domains', parsed.problem);
    allowedDomains = parsed.domains;
  }
  const requireApproval = fields.boolean('require_approval');
  fields.done();
  return {
    enabled: enabled ?? current.enabled,
    allowedDomains: allowedDomains ?? current.allowedDomains,
    requireApproval: requireApproval ?? current.requireApproval,
  };
}

export function signupSettingsToJson(s: SignupSettings) {
  return { enabled: s.enabled, allowed_domains: s.allowedDomains, require_approval: s.requireApproval };
}

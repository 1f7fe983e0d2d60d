// The global MFA settings in the D1 `settings` table (key `mfa`). Read at sign-in and by the
// console's gate, never on the SSO hot path; sign-ins read them through the isolate cache.
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { replicaDb } from '../db/replica';
import { settingsFrom, type Bindings } from '../env';
import { TtlCache } from '../lib/ttl-cache';
import { settings } from '../db/schema';
import { DEFAULT_MFA_SETTINGS, MFA_POLICIES, type MfaSettings } from './policy';

const KEY = 'mfa';

export async function loadMfaSettings(db: Database): Promise<MfaSettings> {
  const [row] = await db.select().from(settings).where(eq(settings.key, KEY)).limit(1);
  const value = (row?.value ?? {}) as Partial<MfaSettings>;
  return {
    policy: MFA_POLICIES.includes(value.policy as never) ? value.policy! : DEFAULT_MFA_SETTINGS.policy,
    requireForConsole: value.requireForConsole === true,
  };
}

const cache = new TtlCache<'mfa', Promise<MfaSettings>>(1);

/**
 * The settings as sign-ins read them: cached in the isolate like app records, so a sign-in does
 * not wait on D1 for them. A change applies at once in the isolate that saved it, and in others
 * within CONFIG_CACHE_SECONDS.
 */
export function cachedMfaSettings(env: Pick<Bindings, 'DB' | 'CONFIG_CACHE_SECONDS'>): Promise<MfaSettings> {
  return TtlCache.load(cache, 'mfa', settingsFrom(env as Bindings).configCacheSeconds, () => loadMfaSettings(replicaDb(env.DB)));
}

export async function saveMfaSettings(db: Database, value: MfaSettings): Promise<void> {
  await db.insert(settings).values({ key: KEY, value }).onConflictDoUpdate({ target: settings.key, set: { value } });
  cache.clear();
}

// The global MFA settings in the D1 `settings` table (key `mfa`), cached in the isolate like
// branding and app records: the SSO hot path decides assurance without a D1 query.
import { eq } from 'drizzle-orm';
import { database } from '../db/client';
import { replicaDb } from '../db/replica';
import { settings } from '../db/schema';
import { settingsFrom, type Bindings } from '../env';
import { TtlCache } from '../lib/ttl-cache';
import { DEFAULT_MFA_SETTINGS, MFA_POLICIES, type MfaSettings } from './policy';

const KEY = 'mfa';
const cache = new TtlCache<'mfa', Promise<MfaSettings>>();

export function loadMfaSettings(env: Bindings): Promise<MfaSettings> {
  return TtlCache.load(cache, 'mfa', settingsFrom(env).configCacheSeconds, async () => {
    // A replica may serve it (src/db/replica.ts): the cache is as stale as CONFIG_CACHE_SECONDS anyway.
    const [row] = await replicaDb(env.DB).select().from(settings).where(eq(settings.key, KEY)).limit(1);
    const value = (row?.value ?? {}) as Partial<MfaSettings>;
    return {
      policy: MFA_POLICIES.includes(value.policy as never) ? value.policy! : DEFAULT_MFA_SETTINGS.policy,
      requireForConsole: value.requireForConsole === true,
    };
  });
}

export async function saveMfaSettings(env: Bindings, value: MfaSettings): Promise<void> {
  await database(env.DB).insert(settings).values({ key: KEY, value }).onConflictDoUpdate({ target: settings.key, set: { value } });
  cache.clear();
}

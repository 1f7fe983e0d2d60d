// Global branding in the D1 `settings` table, cached in the isolate like app records.
import { eq } from 'drizzle-orm';
import { database } from '../db/client';
import { replicaDb } from '../db/replica';
import { settings } from '../db/schema';
import { settingsFrom, type Bindings } from '../env';
import { TtlCache } from '../lib/ttl-cache';
import type { Branding } from '../policy/branding';

const KEY = 'branding';
const cache = new TtlCache<'branding', Promise<Partial<Branding>>>();

export function loadGlobalBranding(env: Bindings): Promise<Partial<Branding>> {
  return TtlCache.load(cache, 'branding', settingsFrom(env).configCacheSeconds, async () => {
    const [row] = await replicaDb(env.DB).select().from(settings).where(eq(settings.key, KEY)).limit(1);
    return (row?.value as Partial<Branding> | undefined) ?? {};
  });
}

export async function saveGlobalBranding(env: Bindings, values: Partial<Branding>): Promise<void> {
  await database(env.DB)
    .insert(settings)
    .values({ key: KEY, value: values })
    .onConflictDoUpdate({ target: settings.key, set: { value: values } });
  cache.clear();
}

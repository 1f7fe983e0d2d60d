// The global MFA settings in the D1 `settings` table (key `mfa`). Read at sign-in and by the
// console's gate, never on the SSO hot path.
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client';
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

export async function saveMfaSettings(db: Database, value: MfaSettings): Promise<void> {
  await db.insert(settings).values({ key: KEY, value }).onConflictDoUpdate({ target: settings.key, set: { value } });
}

// The daily sign-in counters (table daily_counts; src/stats/ reads them). Each increment is one small upsert, always
// sent in the same D1 call as a write the request makes anyway (see its callers), so counting
// never adds a round trip to a sign-in.
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { dailyCounts } from '../db/schema';
import { utcDay } from '../lib/time';

/** The deployment's row: sign-ins (a session started) and failures (a wrong password or code, a refused upstream). */
export const DEPLOYMENT = '';

/** Adds one to `field` of (today, clientId): an upsert to put in a db.batch with the caller's own write. */
export function incrementStatement(db: Database, clientId: string, field: 'signIns' | 'failures') {
  return db
    .insert(dailyCounts)
    .values({ day: utcDay(), clientId, [field]: 1 })
    .onConflictDoUpdate({ target: [dailyCounts.day, dailyCounts.clientId], set: { [field]: sql`${dailyCounts[field]} + 1` } });
}

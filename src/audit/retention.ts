// Audit-log retention: events older than AUDIT_RETENTION_DAYS are deleted by the Cron Trigger
// (src/maintenance/). Deleted in slices so one run never holds D1 for long.
import { inArray, lt } from 'drizzle-orm';
import type { Database } from '../db/client';
import { auditEvents } from '../db/schema';

const SLICE = 5000;
/** At most this many slices per run: a backlog is worked off over the next runs. */
const MAX_SLICES = 20;

/** Deletes events older than `retentionDays` before `now`. Returns how many went. */
export async function pruneAuditEvents(db: Database, retentionDays: number, now: number): Promise<number> {
  const before = now - retentionDays * 86_400;
  let deleted = 0;
  for (let i = 0; i < MAX_SLICES; i++) {
    const oldest = db.select({ id: auditEvents.id }).from(auditEvents).where(lt(auditEvents.at, before)).limit(SLICE);
    const result = await db.delete(auditEvents).where(inArray(auditEvents.id, oldest));
    deleted += result.meta.changes;
    if (result.meta.changes < SLICE) break;
  }
  return deleted;
}

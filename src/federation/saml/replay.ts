// The replay cache: each assertion ID is accepted once per source, recorded atomically in D1
// (INSERT … ON CONFLICT DO NOTHING RETURNING: of two parallel posts of one assertion, one wins).
import { lte } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { samlAssertionsSeen } from '../../db/schema';

/** True the first time `assertionId` is seen for `source`; false for a replay. */
export async function consumeAssertionId(db: Database, source: string, assertionId: string, expiresAt: number): Promise<boolean> {
  const inserted = await db
    .insert(samlAssertionsSeen)
    .values({ source, assertionId, expiresAt })
    .onConflictDoNothing()
    .returning({ id: samlAssertionsSeen.assertionId });
  return inserted.length === 1;
}

/** The pruner: IDs whose assertions can no longer be accepted. */
export async function pruneSeenAssertions(db: Database, now: number): Promise<number> {
  const result = await db.delete(samlAssertionsSeen).where(lte(samlAssertionsSeen.expiresAt, now));
  return (result as unknown as D1Result).meta?.changes ?? 0;
}

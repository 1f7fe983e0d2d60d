// Re-sealing after a key-encryption-key rotation: every value at rest still sealed under
// KEY_ENCRYPTION_KEY_PREVIOUS (or before key ids, `v1.`) is opened and sealed again under
// KEY_ENCRYPTION_KEY. Values name the key that sealed them, so what remains is counted in SQL
// without decrypting anything. Each row is rewritten only if it still holds the value read
// (a concurrent change wins), so this is safe to run while the deployment serves traffic.
import { and, asc, eq, getTableColumns, gt, isNotNull, ne, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { currentPrefix, reseal, type Keyring } from '../lib/secret-box';
import { SEALED_COLUMNS, type SealedColumn } from './sealed-columns';

/** Rows read per query while re-sealing. */
const PAGE = 50;

export interface ReencryptReport {
  reencrypted: number;
  /** Values still not under the current key (those no key here opens included). */
  remaining: number;
  /** Values neither key opens: sealed under a key this deployment no longer holds. */
  unreadable: number;
}

/** The table's property name for the sealed column (drizzle's set() takes properties, not SQL names). */
function fieldOf(column: SealedColumn): string {
  return Object.entries(getTableColumns(column.table)).find(([, c]) => c === column.sealed)![0];
}

/** Rows of `column` whose value is not sealed under the current key. */
function notCurrent(column: SealedColumn, prefix: string) {
  return and(isNotNull(column.sealed), ne(sql`substr(${column.sealed}, 1, ${prefix.length})`, prefix));
}

/** How many stored values still need the previous key (not sealed under the current one), per column and in all. */
export async function countNotCurrent(db: Database, ring: Keyring): Promise<{ total: number; columns: Record<string, number> }> {
  const prefix = await currentPrefix(ring);
  const counts = await db.batch(
    SEALED_COLUMNS.map((column) => db.select({ n: sql<number>`count(*)` }).from(column.table).where(notCurrent(column, prefix))) as never,
  ) as { n: number }[][];
  const columns = Object.fromEntries(SEALED_COLUMNS.map((column, i) => [column.name, counts[i]![0]!.n]));
  return { total: Object.values(columns).reduce((a, b) => a + b, 0), columns };
}

/**
 * Re-seals up to `limit` values under the current key (all of them without a limit) and reports
 * what is left. Values no key opens are skipped and counted, never erased.
 */
export async function reencryptStoredValues(db: Database, ring: Keyring, limit = Infinity): Promise<ReencryptReport> {
  const prefix = await currentPrefix(ring);
  let reencrypted = 0;
  let unreadable = 0;
  for (const column of SEALED_COLUMNS) {
    let after = '';
    while (reencrypted < limit) {
      const rows = (await db
        .select({ key: column.key, sealed: column.sealed })
        .from(column.table)
        .where(and(notCurrent(column, prefix), gt(column.key, after)))
        .orderBy(asc(column.key))
        .limit(Math.min(PAGE, limit - reencrypted))) as { key: string; sealed: string }[];
      if (rows.length === 0) break;
      after = rows.at(-1)!.key;
      const updates = [];
      for (const row of rows) {
        let fresh: string | null;
        try {
          fresh = await reseal(ring, row.sealed, column.purpose(row.key));
        } catch {
          unreadable++;
          continue;
        }
        if (fresh) updates.push(db.update(column.table).set({ [fieldOf(column)]: fresh }).where(and(eq(column.key, row.key), eq(column.sealed, row.sealed))));
      }
      if (updates.length) {
        await db.batch(updates as never);
        reencrypted += updates.length;
      }
    }
  }
  const { total } = await countNotCurrent(db, ring);
  return { reencrypted, remaining: total, unreadable };
}

import { sql, type Column, type SQL } from 'drizzle-orm';

/**
 * `column` contains `text`, case-insensitively (ASCII), with no wildcards: instr() rather than
 * LIKE, because D1 refuses LIKE patterns over 50 bytes and a search may be a long email address.
 */
export function containsText(column: Column, text: string): SQL {
  return sql`instr(lower(${column}), lower(${text})) > 0`;
}

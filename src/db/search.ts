import { sql, type Column, type SQL } from 'drizzle-orm';

/** `column` contains `text`, with LIKE's wildcards (% and _) in `text` taken literally. */
export function containsText(column: Column, text: string): SQL {
  const escaped = text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
  return sql`${column} like ${`%${escaped}%`} escape '\\'`;
}

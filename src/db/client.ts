import { drizzle } from 'drizzle-orm/d1';
import * as schema from './schema';

export type Database = ReturnType<typeof makeDatabase>;

const makeDatabase = (d1: D1Database) => drizzle(d1, { schema });

/**
 * Handles already made, by binding. Making one walks the whole schema (drizzle's relational
 * config), which cost the refresh grant more CPU than its SQL; a handle holds nothing of a
 * request's own, so every request on the same binding shares it. A per-request binding (a
 * replica session, a test's counting wrapper) gets its own, as before.
 */
const handles = new WeakMap<D1Database, Database>();

/** A drizzle handle on the D1 binding. */
export function database(d1: D1Database): Database {
  let db = handles.get(d1);
  if (!db) handles.set(d1, (db = makeDatabase(d1)));
  return db;
}

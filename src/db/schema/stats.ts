import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// --- Figures (src/stats/). ---------------------------------------------------------------------

/**
 * Sign-in figures per UTC day: the deployment's row (`client_id` '') counts sessions started and
 * failed attempts; an app's row counts sessions that received a token or code for it. Incremented
 * in the same D1 call as a write the request makes anyway (the audit event after the response,
 * the session's first token for the app), so counting adds no round trip. Pruned with the audit log.
 */
export const dailyCounts = sqliteTable(
  'daily_counts',
  {
    /** YYYY-MM-DD, UTC. */
    day: text('day').notNull(),
    clientId: text('client_id').notNull().default(''),
    signIns: integer('sign_ins').notNull().default(0),
    failures: integer('failures').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.clientId] })],
);

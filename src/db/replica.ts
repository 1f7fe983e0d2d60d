// D1 read replication through the Sessions API (README "Read replication"; docs/storage.md says
// which reads may come from a replica and why that is safe). Writes always go to the primary; a
// session's reads see everything it has written, and a bookmark carries that to a later session.
//
// With replication off (and in local dev, where there is one database), a session is simply the
// database: the same queries, the same answers.
import { database } from './client';

/** The newest bookmark this isolate has seen from its own writes, so its replica reads include them. */
let isolateBookmark: string | null = null;

/** Bookmarks are opaque but short, and sort oldest to newest; anything else is not one of ours. */
export const isBookmark = (value: string | undefined | null): value is string => typeof value === 'string' && /^[0-9A-Za-z-]{1,200}$/.test(value);

/** Remembers a session's bookmark (after writes), so this isolate's later replica reads are at least as new. */
export function noteBookmark(bookmark: string | null | undefined): void {
  if (isBookmark(bookmark) && (isolateBookmark === null || bookmark > isolateBookmark)) isolateBookmark = bookmark;
}

/**
 * A session whose reads a nearby replica may serve: at `bookmark` if given (a user reading their
 * own writes), else at this isolate's newest write, else wherever is fastest.
 */
export function replicaSession(d1: D1Database, bookmark?: string): D1DatabaseSession {
  // Inside a request that already reads through a session (src/http/replica-reads.ts): that one.
  if (typeof d1.withSession !== 'function') return d1 as unknown as D1DatabaseSession;
  return d1.withSession(isBookmark(bookmark) ? bookmark : (isolateBookmark ?? 'first-unconstrained'));
}

/** A drizzle handle for reads that may be a moment stale (cold caches of settings, apps and keys). */
export function replicaDb(d1: D1Database) {
  return database(replicaSession(d1) as unknown as D1Database);
}

// Routes whose reads replicas may serve (the console) or whose writes later replica reads must
// see (the admin API): every D1 query of the request goes through one Sessions API session
// (src/db/replica.ts), in place of the binding, so its bookmark covers all of them.
import { createMiddleware } from 'hono/factory';
import { isBookmark, noteBookmark, replicaSession } from '../db/replica';
import { readCookie, writeCookie } from './cookies';
import type { AppEnv } from './context';

/** Carries an admin's bookmark from request to request, so a page after a change shows the change. */
export const BOOKMARK_COOKIE = 'edge-sso-d1';
const BOOKMARK_TTL_SECONDS = 3600;

/**
 * `browser`: a GET reads at the browser's bookmark (its own last writes) from the nearest replica
 * that has them; anything else starts at the primary. Either way the session's bookmark goes back
 * in the cookie, and into this isolate's own (so its cached settings, apps and keys include it).
 */
export const sessionReads = (mode: 'browser' | 'primary') =>
  createMiddleware<AppEnv>(async (c, next) => {
    const reading = mode === 'browser' && (c.req.method === 'GET' || c.req.method === 'HEAD');
    const bookmark = mode === 'browser' ? readCookie(c, BOOKMARK_COOKIE) : undefined;
    const session = reading ? replicaSession(c.env.DB, bookmark) : c.env.DB.withSession('first-primary');
    c.env = { ...c.env, DB: session as unknown as D1Database };
    await next();
    const latest = session.getBookmark();
    noteBookmark(latest);
    if (mode === 'browser' && isBookmark(latest) && latest !== bookmark) writeCookie(c, BOOKMARK_COOKIE, latest, BOOKMARK_TTL_SECONDS);
  });

// CSRF protection for every state-changing form: the form carries a token equal to a __Host-
// cookie (which another site can neither read nor set), and the request must not come from
// another origin. Both are checked; either failing is a 403.
import { constantTimeEqual, randomToken } from '../lib/encoding';
import { RequestError } from '../lib/errors';
import { CSRF_COOKIE, readCookie, writeCookie } from './cookies';
import type { AppContext } from './context';

export const CSRF_FIELD = 'csrf';
/** The error code of a refused form (src/http/errors.tsx shows console forms a way back). */
export const CSRF_FAILED = 'csrf_failed';

/** The token to embed in a form, creating the cookie when the browser has none yet. */
export function csrfToken(c: AppContext): string {
  const existing = readCookie(c, CSRF_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = randomToken(32);
  writeCookie(c, CSRF_COOKIE, token);
  return token;
}

export async function checkCsrf(c: AppContext, submitted: unknown): Promise<void> {
  // Our pages send `Referrer-Policy: no-referrer`, under which browsers send `Origin: null` for
  // their own forms: "null" proves nothing either way, so it falls to the token and Sec-Fetch-Site.
  const origin = c.req.header('origin');
  const fetchSite = c.req.header('sec-fetch-site');
  const foreignOrigin = origin !== undefined && origin !== 'null' && origin !== new URL(c.req.url).origin;
  const crossOrigin = foreignOrigin || fetchSite === 'cross-site';
  const cookie = readCookie(c, CSRF_COOKIE);
  const tokenOk = typeof submitted === 'string' && cookie !== undefined && (await constantTimeEqual(submitted, cookie));
  if (crossOrigin || !tokenOk) {
    throw new RequestError(403, CSRF_FAILED, 'This form has expired or was sent from another site. Go back, reload the page and try again.');
  }
}

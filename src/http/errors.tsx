// Turns every failure into a clear answer: JSON for the API, a page for browsers. Never a stack trace.
// The page itself is drawn by the entry point's ErrorPage (the branded layout lives above this layer).
import type { ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Child } from 'hono/jsx';
import { RequestError, ValidationError } from '../lib/errors';
import { isLocalPath } from '../lib/local-path';
import { CSRF_FAILED } from './csrf';
import type { AppContext, AppEnv } from './context';

/** Draws an error page for a browser: a heading (the title) and the body, answered with status. */
export type ErrorPage = (c: AppContext, page: { title: string; status: number; body: Child }) => Response | Promise<Response>;

const wantsJson = (c: AppContext) => new URL(c.req.url).pathname.startsWith('/api/');

/**
 * What is logged of an unexpected error: its name and message, without the bound parameters that
 * drizzle appends to a failed query's message (they can hold emails, hashes, encrypted secrets).
 */
function describe(error: Error): string {
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.name}: ${error.cause.message})` : '';
  return `${error.name}: ${error.message.split('\nparams:')[0]}${cause}`;
}

/**
 * Where "Back to the form" leads after a console form expired: the page the form was on (the
 * Referer, when it is a local /admin path on this origin; console pages send their Referer to
 * this origin only), else the console's home.
 */
export function consoleBackPath(c: AppContext): string {
  const referer = c.req.header('referer');
  if (!referer) return '/admin';
  let url: URL;
  try {
    url = new URL(referer);
  } catch {
    return '/admin';
  }
  const path = url.pathname + url.search;
  const local = url.origin === new URL(c.req.url).origin && isLocalPath(path);
  return local && (url.pathname === '/admin' || url.pathname.startsWith('/admin/')) ? path : '/admin';
}

/** The error handler and the not-found handler, drawing browsers' pages with `page`. */
export function errorHandlers(page: ErrorPage): { onError: ErrorHandler<AppEnv>; notFound: NotFoundHandler<AppEnv> } {
  function answer(c: AppContext, status: number, code: string, message: string, fields?: Record<string, string>) {
    if (wantsJson(c)) {
      return c.json({ error: code, message, ...(fields ? { fields } : {}) }, status as 400);
    }
    return page(c, { title: status >= 500 ? 'Something went wrong' : 'That did not work', status, body: <p>{message}</p> });
  }

  /** A console form whose CSRF token expired (or came from another site): say so, and lead back to it. */
  function expiredConsoleForm(c: AppContext, status: number) {
    const body = (
      <>
        <p>Nothing was changed. The form was open too long, or it was sent from another site.</p>
        <p>
          <a href={consoleBackPath(c)}>Back to the form</a>: it opens again with a fresh token; then make the change again.
        </p>
      </>
    );
    return page(c, { title: 'This form has expired', status, body });
  }

  const onError: ErrorHandler<AppEnv> = (error, c) => {
    if (error instanceof RequestError && error.code === CSRF_FAILED && !wantsJson(c) && new URL(c.req.url).pathname.startsWith('/admin')) {
      return expiredConsoleForm(c, error.status);
    }
    if (error instanceof ValidationError) return answer(c, 400, error.code, 'Some fields are invalid.', error.fields);
    if (error instanceof RequestError) return answer(c, error.status, error.code, error.message);
    if (error instanceof HTTPException && error.status < 500) {
      return answer(c, error.status, 'invalid_request', error.message || 'The request was refused.');
    }
    console.error('unhandled error', c.req.method, new URL(c.req.url).pathname, describe(error));
    return answer(c, 500, 'server_error', 'The server could not complete this request. Try again in a moment.');
  };

  const notFound: NotFoundHandler<AppEnv> = (c) => answer(c, 404, 'not_found', `Nothing is served at ${new URL(c.req.url).pathname}.`);
  return { onError, notFound };
}

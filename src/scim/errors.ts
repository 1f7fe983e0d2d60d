// SCIM answers every failure with its error schema (RFC 7644 §3.12): `status` as a string, a
// `scimType` where one applies, and a `detail` safe to show. Nothing answers 500 with a stack.
import type { ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { RequestError, ValidationError } from '../lib/errors';
import type { AppContext } from '../http/context';

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

export class ScimError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 429 | 500 | 501,
    readonly detail: string,
    readonly scimType?: ScimType,
  ) {
    super(detail);
  }
}

export const invalidValue = (detail: string) => new ScimError(400, detail, 'invalidValue');
export const invalidSyntax = (detail: string) => new ScimError(400, detail, 'invalidSyntax');

export function scimJson(c: AppContext, body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return c.body(JSON.stringify(body), status as 200, { 'content-type': 'application/scim+json; charset=utf-8', 'cache-control': 'no-store', ...headers });
}

function errorResponse(c: AppContext, error: ScimError): Response {
  const body = { schemas: [ERROR_SCHEMA], status: String(error.status), ...(error.scimType ? { scimType: error.scimType } : {}), detail: error.detail };
  const headers: Record<string, string> = error.status === 401 ? { 'www-authenticate': 'Bearer realm="edge-sso SCIM"' } : {};
  return scimJson(c, body, error.status, headers);
}

/** What the client sees for any error: RequestErrors keep their status and message; anything unexpected is a logged 500 without detail. */
export const onScimError: ErrorHandler = (error, c) => {
  if (error instanceof ScimError) return errorResponse(c as AppContext, error);
  if (error instanceof ValidationError) return errorResponse(c as AppContext, invalidValue(error.message));
  if (error instanceof RequestError) {
    const scimType = error.status === 409 ? 'uniqueness' : undefined;
    return errorResponse(c as AppContext, new ScimError(error.status, error.message, scimType));
  }
  if (error instanceof HTTPException && error.status < 500) return errorResponse(c as AppContext, new ScimError(400, error.message || 'The request was refused.'));
  console.error('scim: unhandled error', c.req.method, new URL(c.req.url).pathname, error instanceof Error ? `${error.name}: ${error.message.split('\nparams:')[0]}` : String(error));
  return errorResponse(c as AppContext, new ScimError(500, 'The server could not complete this request. Try again in a moment.'));
};

export const scimNotFound: NotFoundHandler = (c) => errorResponse(c as AppContext, new ScimError(404, `Nothing is served at ${new URL(c.req.url).pathname}.`));

// What every SCIM route shares: the token that authenticated the request (its name is the audit
// actor), the base URL resources are located under, JSON bodies and list paging.
import type { Context } from 'hono';
import type { ScimTokenRow } from '../db/schema';
import { issuerOf, type AppContext, type AppEnv } from '../http/context';
import { ScimError } from './errors';

export type ScimEnv = { Bindings: AppEnv['Bindings']; Variables: AppEnv['Variables'] & { scimToken: ScimTokenRow } };
export type ScimContext = Context<ScimEnv>;

/** The SCIM routes' context as the rest of the Worker's code takes it. */
export const app = (c: ScimContext) => c as unknown as AppContext;

/** The audit actor of a change made with a SCIM token: its name, marked as a SCIM client. */
export const scimActor = (c: ScimContext) => `scim:${c.get('scimToken').name}`;

/** `<issuer>/scim/v2`: where resources live (meta.location) and what Entra ID and Okta are given. */
export const scimBase = (c: ScimContext) => `${issuerOf(app(c))}/scim/v2`;

/** A JSON body sent as application/scim+json or application/json (Entra ID and Okta send either). */
export async function readScimJson(c: ScimContext): Promise<unknown> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (!type.startsWith('application/scim+json') && !type.startsWith('application/json')) {
    throw new ScimError(415, 'Send the body as application/scim+json (or application/json).');
  }
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new ScimError(400, 'The body is not valid JSON.', 'invalidSyntax');
  }
}

export const MAX_COUNT = 200;

/** `startIndex` (1-based) and `count` (RFC 7644 §3.4.2.4): out-of-range values are clamped as the RFC says, non-numbers refused. */
export function readPaging(c: ScimContext): { startIndex: number; count: number } {
  const int = (name: string, fallback: number) => {
    const raw = c.req.query(name);
    if (raw === undefined || raw === '') return fallback;
    if (!/^-?\d{1,9}$/.test(raw)) throw new ScimError(400, `"${name}" must be a whole number.`, 'invalidValue');
    return Number(raw);
  };
  return { startIndex: Math.max(1, int('startIndex', 1)), count: Math.min(MAX_COUNT, Math.max(0, int('count', 100))) };
}

export function listResponse(resources: unknown[], total: number, startIndex: number) {
  return { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources };
}

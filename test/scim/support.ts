// Shared by the SCIM tests: a token from the admin API, and requests as a SCIM client sends them.
import { admin, call } from '../helpers';

export const SCIM_CONTENT_TYPE = 'application/scim+json';

export async function scimToken(fields: Record<string, unknown> = {}): Promise<{ id: string; token: string; name: string }> {
  const res = await admin('POST', '/scim/tokens', { name: 'Entra ID', ...fields });
  if (res.status !== 201) throw new Error(`scimToken: ${res.status} ${await res.text()}`);
  return res.json();
}

/** A request to /scim/v2 with the token; a body is sent as application/scim+json (or raw text). */
export function scim(token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(`/scim/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': SCIM_CONTENT_TYPE }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export async function scimJson<T = any>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : null) as T;
}

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

// What every admin API route shares: JSON bodies, paging, and who is acting.
import type { AppContext } from '../../http/context';
import { RequestError, ValidationError } from '../../lib/errors';

/** The audit log's actor for changes made with the API token. */
export const API_ACTOR = 'admin-api';

export { dbOf as db, issuerOf as issuer } from '../../http/context';

export async function readJson(c: AppContext): Promise<unknown> {
  if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
    throw new RequestError(415, 'unsupported_media_type', 'Send a JSON body with "Content-Type: application/json".');
  }
  try {
    return await c.req.json();
  } catch {
    throw new RequestError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
}

/** `?limit=` (1–100, default 50), `?offset=`, and the search text in `?q=` or `?email=`. */
export function paging(c: AppContext): { limit: number; offset: number; search?: string } {
  const errors: Record<string, string> = {};
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = c.req.query(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) errors[name] = `must be a whole number from ${min} to ${max}`;
    return n;
  };
  const limit = int('limit', 50, 1, 100);
  const offset = int('offset', 0, 0, 1_000_000);
  if (Object.keys(errors).length) throw new ValidationError(errors);
  const search = (c.req.query('q') ?? c.req.query('email'))?.trim();
  return { limit, offset, search: search || undefined };
}

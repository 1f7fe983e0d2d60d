// Reading OAuth parameters: each may appear once (RFC 6749 §3.1), so a repeated one is refused
// rather than silently picking the first or the last.
import type { AppContext } from '../http/context';
import { OAuthError } from './errors';

const MAX_BODY_CHARACTERS = 64 * 1024;

export interface SingleValues {
  values: Record<string, string>;
  /** Names given more than once. */
  repeated: string[];
}

export function singleValues(entries: Iterable<[string, string]>): SingleValues {
  const values: Record<string, string> = Object.create(null);
  const repeated = new Set<string>();
  for (const [name, value] of entries) {
    if (name in values) repeated.add(name);
    else values[name] = value;
  }
  return { values, repeated: [...repeated] };
}

/** A form body as text (decoded as UTF-8, as application/x-www-form-urlencoded is). */
export async function bodyText(c: AppContext): Promise<string> {
  return new TextDecoder().decode(await c.req.arrayBuffer());
}

/** A back-channel request's form body; invalid_request unless it is one form with no repeated parameter. */
export async function readOAuthForm(c: AppContext): Promise<Record<string, string>> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    throw new OAuthError('invalid_request', 'Send the parameters as an application/x-www-form-urlencoded body.');
  }
  const text = await bodyText(c);
  if (text.length > MAX_BODY_CHARACTERS) throw new OAuthError('invalid_request', 'The request body is too large.');
  const { values, repeated } = singleValues(new URLSearchParams(text));
  if (repeated.length > 0) throw new OAuthError('invalid_request', `Parameters may appear only once: ${repeated.join(', ')}.`);
  return values;
}

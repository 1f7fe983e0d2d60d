// Reading how a client authenticates at the token, introspection and revocation endpoints
// (RFC 6749 §2.3): HTTP Basic, client_secret in the form, or none (a public client names
// itself with client_id). Pure: parses, never checks a secret (see ./clients.ts).
import type { TokenEndpointAuthMethod } from '../db/schema';

export type ClientCredentials = { method: TokenEndpointAuthMethod; clientId: string; secret?: string };

export type ClientAuthParse =
  | { ok: true; credentials: ClientCredentials }
  /** `basic`: the client tried HTTP Basic, so the 401 must carry a Basic challenge. */
  | { ok: false; error: 'invalid_client' | 'invalid_request'; description: string; basic: boolean };

const MAX_CREDENTIAL_LENGTH = 512;

/**
 * Decodes one half of a Basic credential: RFC 6749 §2.3.1 says client IDs and secrets are
 * application/x-www-form-urlencoded before Base64, so "+" is a space and %XX a byte of UTF-8.
 */
export function formDecode(text: string): string | null {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** The client ID and secret of an `Authorization: Basic …` header, or why it is unreadable. */
export function parseBasic(header: string): { clientId: string; secret: string } | string {
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!match) return 'The Authorization header is not HTTP Basic credentials.';
  let decoded: string;
  try {
    const binary = atob(match[1]!);
    decoded = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
  } catch {
    return 'The Basic credentials are not valid Base64 of UTF-8 text.';
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'The Basic credentials have no ":" between client ID and secret.';
  const clientId = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  if (clientId === null || secret === null) return 'The Basic credentials contain a malformed percent-encoding.';
  return { clientId, secret };
}

/** Which client is calling and how it says it proves it. `body` is the form's single values. */
export function parseClientAuth(authorization: string | undefined, body: { client_id?: string; client_secret?: string }): ClientAuthParse {
  const fail = (error: 'invalid_client' | 'invalid_request', description: string, basic = false): ClientAuthParse => ({ ok: false, error, description, basic });
  if (authorization !== undefined && authorization.trim() !== '') {
    const basic = parseBasic(authorization);
    if (typeof basic === 'string') return fail('invalid_client', basic, true);
    if (body.client_secret !== undefined) return fail('invalid_request', 'Use one client authentication method: Basic credentials or client_secret in the body, not both.', true);
    if (body.client_id !== undefined && body.client_id !== basic.clientId) return fail('invalid_client', 'client_id in the body differs from the one in the Basic credentials.', true);
    if (basic.clientId === '' || basic.clientId.length > MAX_CREDENTIAL_LENGTH || basic.secret.length > MAX_CREDENTIAL_LENGTH) {
      return fail('invalid_client', 'Client authentication failed.', true);
    }
    return { ok: true, credentials: { method: 'client_secret_basic', clientId: basic.clientId, secret: basic.secret } };
  }
  const clientId = body.client_id;
  if (clientId === undefined || clientId === '') return fail('invalid_client', 'Client authentication is required: send Basic credentials, or client_id (and client_secret).');
  if (clientId.length > MAX_CREDENTIAL_LENGTH) return fail('invalid_client', 'Client authentication failed.');
  if (body.client_secret !== undefined) {
    if (body.client_secret.length > MAX_CREDENTIAL_LENGTH) return fail('invalid_client', 'Client authentication failed.');
    return { ok: true, credentials: { method: 'client_secret_post', clientId, secret: body.client_secret } };
  }
  return { ok: true, credentials: { method: 'none', clientId } };
}

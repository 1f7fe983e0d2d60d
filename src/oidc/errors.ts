// OAuth error answers for the back-channel endpoints: JSON `{error, error_description}`, never
// cached; 401 with a challenge for client authentication failures (RFC 6749 §5.2).
import type { AppContext } from '../http/context';
import { REALM } from './config';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'unsupported_token_type';

export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    /** For invalid_client: whether the client tried HTTP Basic (then the 401 carries a Basic challenge). */
    readonly basic = false,
  ) {
    super(description);
  }
}

export function noStore(c: AppContext): void {
  c.header('Cache-Control', 'no-store');
  c.header('Pragma', 'no-cache');
}

export function oauthErrorResponse(c: AppContext, error: OAuthError): Response {
  noStore(c);
  if (error.error === 'invalid_client') {
    if (error.basic) c.header('WWW-Authenticate', `Basic realm="${REALM}"`);
    return c.json({ error: error.error, error_description: error.description }, 401);
  }
  return c.json({ error: error.error, error_description: error.description }, 400);
}

/** Runs a back-channel handler, answering OAuthErrors as RFC 6749 §5.2 says. */
export async function oauthEndpoint(c: AppContext, handler: () => Promise<Response>): Promise<Response> {
  try {
    return await handler();
  } catch (error) {
    if (error instanceof OAuthError) return oauthErrorResponse(c, error);
    throw error;
  }
}

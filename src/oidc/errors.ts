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

/** A quoted-string (RFC 9110 §5.6.4) of printable ASCII: quotes and backslashes dropped, anything else replaced. */
const quotable = (text: string) => text.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?').slice(0, 200);

/**
 * The challenge of an invalid_client 401 (RFC 6750 §3 style, as node-oidc-provider sends it):
 * relying parties such as openid-client read the error from it rather than from the body.
 */
export function basicChallenge(description: string): string {
  return `Basic realm="${REALM}", error="invalid_client", error_description="${quotable(description)}"`;
}

export function oauthErrorResponse(c: AppContext, error: OAuthError): Response {
  noStore(c);
  if (error.error === 'invalid_client') {
    // Every 401 carries the challenge (RFC 6749 §5.2 requires it after HTTP Basic; it may follow any).
    c.header('WWW-Authenticate', basicChallenge(error.description));
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

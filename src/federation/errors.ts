// Turns what oauth4webapi (or fetch) throws into an UpstreamError with a message for people and
// a detail for admins. Nothing here is shown raw to an end user.
import * as oauth from 'oauth4webapi';
import { UpstreamError } from './types';

/**
 * Which refusal a provider's OAuth error names: the client itself (unknown ID, wrong secret: RFC
 * 6749's invalid_client / unauthorized_client, GitHub's incorrect_client_credentials, or an HTTP
 * 401), or the callback URL (GitHub's redirect_uri_mismatch, or an error whose description names
 * the redirect URI). Undefined for anything else.
 */
export function refusalCode(error: string, description: string | undefined, status?: number): 'client_refused' | 'redirect_uri' | undefined {
  if (error === 'redirect_uri_mismatch' || /redirect[_ ]?ur[il]/i.test(description ?? '')) return 'redirect_uri';
  if (error === 'invalid_client' || error === 'unauthorized_client' || error === 'incorrect_client_credentials' || status === 401) return 'client_refused';
  return undefined;
}

/** What the provider said in an `error=` callback: the user cancelled, or the provider refused. */
export function authorizationError(error: string, description: string | undefined, sourceName: string): UpstreamError {
  const refused = refusalCode(error, description);
  if (refused) return new UpstreamError(refused, `${sourceName} could not complete the sign-in.`, description ? `${error}: ${description.slice(0, 300)}` : error);
  const message =
    error === 'access_denied'
      ? `You cancelled the sign-in at ${sourceName}, or ${sourceName} did not allow it.`
      : error === 'login_required' || error === 'interaction_required' || error === 'consent_required'
        ? `${sourceName} needs you to sign in again.`
        : `${sourceName} could not complete the sign-in.`;
  return new UpstreamError(error, message, description ? `${error}: ${description.slice(0, 300)}` : error);
}

export function asUpstreamError(error: unknown, sourceName: string): UpstreamError {
  if (error instanceof UpstreamError) {
    // A request without an answer (./network.ts) names the host for the admin; people read the source's name.
    if (error.code === 'unreachable' || error.code === 'tls') return new UpstreamError(error.code, `${sourceName} could not be reached. Try again in a moment.`, error.detail, error.host);
    return error;
  }
  if (error instanceof oauth.AuthorizationResponseError) return authorizationError(error.error, error.error_description, sourceName);
  if (error instanceof oauth.ResponseBodyError) {
    const code = refusalCode(error.error, error.error_description, error.status) ?? 'token_error';
    return new UpstreamError(code, `${sourceName} did not accept the sign-in. Try again.`, `${error.error}${error.error_description ? `: ${error.error_description}` : ''} (HTTP ${error.status})`);
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    // A 401 with a WWW-Authenticate challenge (node-oidc-provider, Keycloak): the token endpoint
    // refused the client's credentials, RFC 6749 section 5.2's invalid_client sent as a header.
    const challenge = error.cause.find((c) => typeof c.parameters.error === 'string');
    const said = challenge?.parameters.error ?? '';
    const description = challenge?.parameters.error_description;
    const code = refusalCode(said, description, error.status);
    if (code) return new UpstreamError(code, `${sourceName} did not accept the sign-in. Try again.`, `${said || 'challenge'}${description ? `: ${description}` : ''} (HTTP ${error.status})`);
  }
  if (error instanceof oauth.OperationProcessingError || error instanceof oauth.UnsupportedOperationError || error instanceof oauth.WWWAuthenticateChallengeError) {
    return new UpstreamError('invalid_response', `${sourceName} sent an answer that edge-sso cannot trust, so you were not signed in.`, `${error.code ?? 'error'}: ${error.message}`);
  }
  if (error instanceof TypeError || (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))) {
    return new UpstreamError('unreachable', `${sourceName} could not be reached. Try again in a moment.`, error.message);
  }
  return new UpstreamError('failed', `Signing in with ${sourceName} failed.`, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}

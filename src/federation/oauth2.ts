// The generic OAuth2 client for providers without OpenID Connect (GitHub, Facebook, X): the
// authorization URL (state, and PKCE S256 unless the provider rejects it), the code exchange at
// the token endpoint with the preset's client authentication, and the profile read by the
// preset's `profile` hook with the access token. Built on oauth4webapi, like the OIDC client;
// a preset is data plus that one hook, never a copy of this flow.
import * as oauth from 'oauth4webapi';
import {
  UpstreamError,
  type ClientOptions,
  type OAuth2Protocol,
  type Preset,
  type PresetContext,
  type UpstreamAttempt,
  type UpstreamClient,
  type UpstreamProfile,
} from './types';

export interface OAuth2ClientInput {
  preset: Preset;
  ctx: PresetContext;
  /** The scopes to request (the source's, which default to the preset's). */
  scopes: string[];
  options: ClientOptions;
}

/** A failure the user can act on: what happened, in words; the detail goes to the audit trail. */
function upstreamError(error: unknown, provider: string, step: string): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (error instanceof oauth.AuthorizationResponseError) {
    if (error.error === 'access_denied') {
      return new UpstreamError('access_denied', `The sign-in was cancelled at ${provider}.`, error.error_description);
    }
    return new UpstreamError(error.error, `${provider} refused the sign-in.`, `${error.error}: ${error.error_description ?? ''}`);
  }
  if (error instanceof oauth.ResponseBodyError) {
    return new UpstreamError(error.error, `${provider} refused the sign-in. Please start again.`, `${step}: ${error.error} ${error.error_description ?? ''} (HTTP ${error.status})`);
  }
  if (error instanceof oauth.OperationProcessingError && error.code === oauth.INVALID_RESPONSE && /state/.test(error.message)) {
    return new UpstreamError('invalid_state', 'This sign-in attempt is not valid any more. Please start again.', `${step}: ${error.message}`);
  }
  if (error instanceof TypeError && !(error as { code?: string }).code) {
    return new UpstreamError('unreachable', `${provider} could not be reached. Please try again.`, `${step}: ${error.message}`);
  }
  return new UpstreamError('invalid_response', `${provider} answered in a way edge-sso cannot use.`, `${step}: ${(error as Error)?.message ?? String(error)}`);
}

/**
 * Some providers (GitHub) answer a failed code exchange with HTTP 200 and an OAuth error body.
 * Read it as the error it is, instead of as a token response without a token.
 */
async function throwOnErrorBody(response: Response, provider: string): Promise<void> {
  if (response.status !== 200) return;
  let body: unknown;
  try {
    body = await response.clone().json();
  } catch {
    return;
  }
  if (typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string') {
    const { error, error_description } = body as { error: string; error_description?: unknown };
    throw new UpstreamError(error, `${provider} refused the sign-in. Please start again.`, `token endpoint: ${error} ${typeof error_description === 'string' ? error_description : ''}`);
  }
}

export function createOAuth2Client({ preset, ctx, scopes, options }: OAuth2ClientInput): UpstreamClient {
  if (preset.protocol.kind !== 'oauth2') throw new TypeError(`${preset.type} is not an OAuth2 preset`);
  const protocol: OAuth2Protocol = preset.protocol;
  const authorizationEndpoint = protocol.authorization_endpoint(ctx);
  const as: oauth.AuthorizationServer = {
    // Plain OAuth2 has no issuer identifier; the authorization server's origin stands in for it.
    issuer: new URL(authorizationEndpoint).origin,
    authorization_endpoint: authorizationEndpoint,
    token_endpoint: protocol.token_endpoint(ctx),
  };
  const client: oauth.Client = { client_id: ctx.client_id };
  const fetchFn: typeof fetch = options.fetch ?? ((input, init) => fetch(input, init));
  const requestOptions = {
    [oauth.customFetch]: fetchFn,
    ...(options.allow_insecure ? { [oauth.allowInsecureRequests]: true } : {}),
  };

  async function clientAuth(): Promise<oauth.ClientAuth> {
    const secret = preset.client_secret ? await preset.client_secret(ctx) : ctx.secrets.client_secret;
    if (!secret) throw new UpstreamError('misconfigured', 'This sign-in option is not set up completely.', 'no client secret is set');
    return protocol.token_auth === 'client_secret_basic' ? oauth.ClientSecretBasic(secret) : oauth.ClientSecretPost(secret);
  }

  return {
    async authorizationUrl(attempt: UpstreamAttempt, extra: Record<string, string> = {}): Promise<URL> {
      const url = new URL(authorizationEndpoint);
      const params = url.searchParams;
      params.set('response_type', 'code');
      params.set('client_id', ctx.client_id);
      params.set('redirect_uri', options.redirect_uri);
      if (scopes.length > 0) params.set('scope', scopes.join(' '));
      params.set('state', attempt.state);
      if (protocol.pkce !== 'none') {
        params.set('code_challenge', await oauth.calculatePKCECodeChallenge(attempt.code_verifier));
        params.set('code_challenge_method', 'S256');
      }
      if (preset.response_mode === 'form_post') params.set('response_mode', 'form_post');
      for (const [key, value] of Object.entries({ ...preset.authorization_params?.(ctx), ...extra })) params.set(key, value);
      return url;
    },

    async finish(callback: URLSearchParams, attempt: UpstreamAttempt): Promise<UpstreamProfile> {
      let step = 'callback';
      try {
        const validated = oauth.validateAuthResponse(as, client, callback, attempt.state);
        step = 'token endpoint';
        const response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          await clientAuth(),
          validated,
          options.redirect_uri,
          protocol.pkce === 'none' ? oauth.nopkce : attempt.code_verifier,
          requestOptions,
        );
        await throwOnErrorBody(response, preset.label);
        const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
        step = 'profile';
        return await protocol.profile({
          access_token: tokens.access_token,
          token_response: tokens as unknown as Record<string, unknown>,
          ctx,
          fetch: fetchFn,
        });
      } catch (error) {
        throw upstreamError(error, preset.label, step);
      }
    },
  };
}

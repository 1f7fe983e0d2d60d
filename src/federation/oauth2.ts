// The generic OAuth2 client for providers without OpenID Connect (GitHub, Facebook, X): the
// authorization URL (state, and PKCE S256 unless the provider rejects it), the code exchange at
// the token endpoint with the preset's client authentication, and the profile read by the
// preset's `profile` hook with the access token. Built on oauth4webapi like oidc.ts, with the
// same signature and shared helpers; a preset is data plus that one hook, never a copy of this flow.
import * as oauth from 'oauth4webapi';
import { asUpstreamError, refusalCode } from './errors';
import { diagnosingFetch } from './network';
import { authorizationParams, clientSecretFor } from './oidc';
import {
  UpstreamError,
  type ClientOptions,
  type IdentitySource,
  type OAuth2Protocol,
  type Preset,
  type PresetContext,
  type SourceSecrets,
  type UpstreamClient,
  type UpstreamProfile,
} from './types';

const TIMEOUT_MS = 10_000;

/**
 * Some providers (GitHub) answer a failed code exchange with HTTP 200 and an OAuth error body.
 * Read it as the error it is, instead of as a token response that lacks a token.
 */
async function throwOnErrorBody(response: Response, sourceName: string): Promise<void> {
  if (response.status !== 200) return;
  let body: unknown;
  try {
    body = await response.clone().json();
  } catch {
    return;
  }
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown; error_description?: unknown }) : {};
  if (typeof error.error === 'string') {
    const description = typeof error.error_description === 'string' ? `: ${error.error_description.slice(0, 300)}` : '';
    const code = refusalCode(error.error, typeof error.error_description === 'string' ? error.error_description : undefined) ?? 'token_error';
    throw new UpstreamError(code, `${sourceName} did not accept the sign-in. Try again.`, `${error.error}${description} (HTTP 200)`);
  }
}

/** A fetch with the client's timeout, for the preset's profile requests. */
function withTimeout(fetchFn: typeof fetch): typeof fetch {
  return (input, init) => fetchFn(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(TIMEOUT_MS) });
}

export function oauth2Client(preset: Preset, source: IdentitySource, secrets: SourceSecrets, options: ClientOptions): UpstreamClient {
  if (preset.protocol.kind !== 'oauth2') throw new TypeError(`${preset.type} is not an OAuth2 preset`);
  const protocol: OAuth2Protocol = preset.protocol;
  const ctx: PresetContext = { config: source.config, secrets, client_id: source.client_id };
  const authorizationEndpoint = protocol.authorization_endpoint(ctx);
  const as: oauth.AuthorizationServer = {
    // Plain OAuth2 has no issuer identifier; the authorization server's origin stands in for it.
    issuer: new URL(authorizationEndpoint).origin,
    authorization_endpoint: authorizationEndpoint,
    token_endpoint: protocol.token_endpoint(ctx),
  };
  const client: oauth.Client = { client_id: source.client_id };
  const fetchFn = diagnosingFetch(withTimeout(options.fetch ?? ((input, init) => fetch(input, init))));
  const requestOptions = {
    [oauth.customFetch]: fetchFn,
    ...(options.allow_insecure ? { [oauth.allowInsecureRequests]: true } : {}),
  };
  const pkce = protocol.pkce !== 'none';

  return {
    async authorizationUrl(attempt, extra = {}) {
      const url = new URL(authorizationEndpoint);
      const params = { ...(await authorizationParams(preset, source, ctx, options.redirect_uri, attempt, pkce)), ...extra };
      for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
      return url;
    },

    async finish(params, attempt): Promise<UpstreamProfile> {
      try {
        const callback = oauth.validateAuthResponse(as, client, params, attempt.state);
        const secret = await clientSecretFor(preset, ctx);
        if (!secret) throw new UpstreamError('misconfigured', `${source.name} is not set up completely.`, 'no client secret is set');
        const auth = protocol.token_auth === 'client_secret_basic' ? oauth.ClientSecretBasic(secret) : oauth.ClientSecretPost(secret);
        const response = await oauth.authorizationCodeGrantRequest(as, client, auth, callback, options.redirect_uri, pkce ? attempt.code_verifier : oauth.nopkce, requestOptions);
        await throwOnErrorBody(response, source.name);
        const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
        try {
          return await protocol.profile({ access_token: tokens.access_token, token_response: tokens as unknown as Record<string, unknown>, ctx, fetch: fetchFn });
        } catch (error) {
          // The preset's hook knows the provider's API, not the source's name: say it here.
          if (error instanceof UpstreamError && (error.code === 'unreachable' || error.code === 'tls')) throw asUpstreamError(error, source.name);
          const detail = error instanceof UpstreamError ? error.detail : `profile: ${(error as Error).message}`;
          throw new UpstreamError('invalid_response', `${source.name} did not share your profile, so you were not signed in.`, detail);
        }
      } catch (error) {
        throw asUpstreamError(error, source.name);
      }
    },
  };
}

// The generic OpenID Connect client, on oauth4webapi: discovery, authorization code with PKCE
// S256, state and nonce; the ID token checked for issuer, audience, expiry, nonce and signature
// (upstream JWKS, refetched when a token names an unknown key); missing claims from userinfo.
import * as oauth from 'oauth4webapi';
import { TtlCache } from '../lib/ttl-cache';
import { asUpstreamError } from './errors';
import { diagnosingFetch, hostOf } from './network';
import { profileFromClaims } from './mapping';
import type { ClientOptions, IdentitySource, OidcProtocol, Preset, PresetContext, SourceSecrets, UpstreamAttempt, UpstreamClient, UpstreamProfile } from './types';
import { UpstreamError } from './types';
import { isLoopbackUrl } from './urls';

const TIMEOUT_MS = 10_000;
/**
 * oauth4webapi's hooks for multi-tenant issuers (openid-client uses them for Entra's `{tenantid}`
 * issuer): skip the discovery issuer check, and pick the expected issuer per token.
 */
const internals = oauth as unknown as { _nodiscoverycheck: symbol; _expectedIssuer: symbol };
const DISCOVERY_CACHE_SECONDS = 600;

/** Discovery documents per issuer. The same object is reused, so oauth4webapi's JWKS cache (keyed by it) survives between sign-ins. */
const discoveries = new TtlCache<string, Promise<oauth.AuthorizationServer>>(200);

/** Multi-tenant wrappers of a discovery document (see server() in oidcClient); they go with the document. */
const tenantWrappers = new WeakMap<oauth.AuthorizationServer, Map<string, oauth.AuthorizationServer>>();

/** The options every oauth4webapi request gets: a timeout, and plain http only for loopback issuers. */
function requestOptions(allowInsecure: boolean) {
  return { signal: () => AbortSignal.timeout(TIMEOUT_MS), [oauth.customFetch]: diagnosingFetch(), ...(allowInsecure ? { [oauth.allowInsecureRequests]: true } : {}) };
}

/** True when a loopback (http) issuer published an endpoint elsewhere over http: refused. */
function insecureEndpoint(as: oauth.AuthorizationServer): string | undefined {
  return [as.authorization_endpoint, as.token_endpoint, as.userinfo_endpoint, as.jwks_uri].find((u) => {
    if (!u) return false;
    const url = new URL(u);
    return url.protocol !== 'https:' && !isLoopbackUrl(url);
  });
}

/**
 * Reads and checks the provider's discovery document. Its `issuer` must equal the configured one,
 * except for multi-tenant presets (`expectedIssuer`), which check each token's issuer instead.
 */
export async function fetchDiscovery(issuer: string, protocol: OidcProtocol): Promise<oauth.AuthorizationServer> {
  const issuerUrl = new URL(issuer);
  const allowInsecure = issuerUrl.protocol === 'http:' && isLoopbackUrl(issuerUrl);
  let response: Response;
  try {
    response = await oauth.discoveryRequest(issuerUrl, requestOptions(allowInsecure));
  } catch (error) {
    // Said as the end of a sentence that starts with the issuer (checkProvider's field error).
    if (error instanceof UpstreamError) {
      const fragment = error.code === 'tls' ? `could not be reached securely: ${error.detail}` : `could not be reached: ${error.detail}`;
      throw new UpstreamError(error.code, fragment, error.detail, error.host);
    }
    throw new UpstreamError('unreachable', `could not be reached: ${(error as Error).message}`, (error as Error).message, hostOf(issuerUrl));
  }
  let as: oauth.AuthorizationServer;
  try {
    as = await oauth.processDiscoveryResponse(protocol.expectedIssuer ? (internals._nodiscoverycheck as unknown as URL) : issuerUrl, response);
  } catch (error) {
    const message = (error as Error).message;
    if (/issuer/i.test(message) && response.ok) {
      throw new UpstreamError('discovery_failed', `does not match the issuer in its discovery document at ${response.url || issuer}: use exactly the issuer the provider publishes`);
    }
    const where = new URL('.well-known/openid-configuration', issuer.endsWith('/') ? issuer : `${issuer}/`).href;
    throw new UpstreamError('discovery_failed', `has no usable discovery document at ${where} (${message})`, `${where}: ${message}`, hostOf(issuerUrl));
  }
  if (!as.authorization_endpoint || !as.token_endpoint || !as.jwks_uri) {
    throw new UpstreamError('discovery_failed', 'has a discovery document without authorization_endpoint, token_endpoint or jwks_uri');
  }
  const insecure = allowInsecure ? insecureEndpoint(as) : undefined;
  if (insecure) throw new UpstreamError('discovery_failed', `publishes an http endpoint that is not on loopback (${insecure})`);
  return as;
}

function discover(issuer: string, protocol: OidcProtocol): Promise<oauth.AuthorizationServer> {
  return TtlCache.load(discoveries, `${protocol.expectedIssuer ? 'multi' : 'single'} ${issuer}`, DISCOVERY_CACHE_SECONDS, () => fetchDiscovery(issuer, protocol));
}

/** The client secret: computed by the preset (Apple's ES256 JWT) or the stored one. */
export async function clientSecretFor(preset: Preset, ctx: PresetContext): Promise<string> {
  return preset.client_secret ? preset.client_secret(ctx) : (ctx.secrets.client_secret ?? '');
}

/** Parameters every authorization request carries (both clients use this). */
export async function authorizationParams(
  preset: Preset,
  source: Pick<IdentitySource, 'client_id' | 'scopes'>,
  ctx: PresetContext,
  redirectUri: string,
  attempt: UpstreamAttempt,
  pkce: boolean,
): Promise<Record<string, string>> {
  return {
    client_id: source.client_id,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: source.scopes.join(' '),
    state: attempt.state,
    ...(pkce ? { code_challenge: await oauth.calculatePKCECodeChallenge(attempt.code_verifier), code_challenge_method: 'S256' } : {}),
    ...(preset.response_mode === 'form_post' ? { response_mode: 'form_post' } : {}),
    ...preset.authorization_params?.(ctx),
  };
}

export function oidcClient(preset: Preset, source: IdentitySource, secrets: SourceSecrets, options: ClientOptions): UpstreamClient {
  const protocol = preset.protocol as OidcProtocol;
  const ctx: PresetContext = { config: source.config, secrets, client_id: source.client_id };
  const issuer = protocol.issuer(ctx);
  const issuerUrl = new URL(issuer);
  const allowInsecure = options.allow_insecure && issuerUrl.protocol === 'http:' && isLoopbackUrl(issuerUrl);
  const client: oauth.Client = { client_id: source.client_id };

  async function server(): Promise<oauth.AuthorizationServer> {
    const as = await discover(issuer, protocol);
    if (!protocol.expectedIssuer) return as;
    // Multi-tenant: each token's issuer is checked against what the preset expects for its claims.
    // One wrapper per discovery document and source version, so oauth4webapi's JWKS cache (keyed by it) is kept.
    const key = `${source.slug}@${source.updated_at}`;
    let perSource = tenantWrappers.get(as);
    if (!perSource) tenantWrappers.set(as, (perSource = new Map()));
    const cached = perSource.get(key);
    if (cached) return cached;
    const check = protocol.expectedIssuer;
    const wrapper = Object.assign(Object.create(as) as oauth.AuthorizationServer, {
      [internals._expectedIssuer]: (result: { claims: Record<string, unknown> }) => {
        const expected = check(as.issuer, result.claims, ctx);
        if (typeof expected !== 'string') throw new UpstreamError('tenant_not_allowed', `Your organisation's ${source.name} accounts cannot sign in here.`, expected.error);
        return expected;
      },
    });
    perSource.set(key, wrapper);
    return wrapper;
  }

  return {
    async authorizationUrl(attempt, extra = {}) {
      try {
        const as = await server();
        const url = new URL(as.authorization_endpoint!);
        const params = {
          ...(await authorizationParams(preset, source, ctx, options.redirect_uri, attempt, protocol.pkce !== false)),
          ...(protocol.nonce !== false ? { nonce: attempt.nonce } : {}),
          ...extra,
        };
        for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
        return url;
      } catch (error) {
        throw asUpstreamError(error, source.name);
      }
    },

    async finish(params, attempt): Promise<UpstreamProfile> {
      try {
        const as = await server();
        const opts = requestOptions(allowInsecure);
        const callback = oauth.validateAuthResponse(as, client, params, attempt.state);
        const secret = await clientSecretFor(preset, ctx);
        const method = protocol.token_auth ?? ((as.token_endpoint_auth_methods_supported ?? ['client_secret_basic']).includes('client_secret_basic') ? 'client_secret_basic' : 'client_secret_post');
        const auth = method === 'client_secret_basic' ? oauth.ClientSecretBasic(secret) : oauth.ClientSecretPost(secret);
        const verifier = protocol.pkce !== false ? attempt.code_verifier : oauth.nopkce;
        const response = await oauth.authorizationCodeGrantRequest(as, client, auth, callback, options.redirect_uri, verifier, opts);
        const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
          expectedNonce: protocol.nonce !== false ? attempt.nonce : undefined,
          requireIdToken: true,
        });
        // The ID token came straight from the token endpoint; its signature is checked anyway, against the JWKS.
        await oauth.validateApplicationLevelSignature(as, response, opts);
        const idClaims = oauth.getValidatedIdTokenClaims(tokens)! as unknown as Record<string, unknown>;
        let claims = idClaims;
        if (as.userinfo_endpoint) {
          const userinfo = await oauth.processUserInfoResponse(
            as,
            client,
            idClaims.sub as string,
            await oauth.userInfoRequest(as, client, tokens.access_token, opts),
          );
          // The ID token wins where both say something; userinfo fills in what it left out.
          claims = { ...(userinfo as Record<string, unknown>), ...idClaims };
        }
        if (protocol.claims) claims = protocol.claims(claims, params);
        const subject = protocol.subject ? protocol.subject(claims) : String(idClaims.sub);
        if (!subject) throw new UpstreamError('invalid_response', `${source.name} did not identify the account.`, 'no subject');
        return profileFromClaims(claims, subject, source.group_map.claim);
      } catch (error) {
        throw asUpstreamError(error, source.name);
      }
    },
  };
}

// Checking an authorization request (OIDC Core §3.1.2). Pure: the route loads the app and the
// session, this decides. The order matters: until the client and its redirect URI are known
// to be registered, every error is a page; only afterwards may errors be sent to the app.
import type { App } from '../apps/app';
import { describeMismatch, matchRedirect } from '../apps/redirects';
import { MAX_LOGIN_HINT_LENGTH, MAX_NONCE_LENGTH, MAX_STATE_LENGTH } from './config';
import { isValidChallenge } from './pkce';
import { formatScope, grantedScopes, type Scope } from './scope';
import type { SingleValues } from './form';

export const RESPONSE_MODES = ['query', 'form_post'] as const;
export type OidcResponseMode = (typeof RESPONSE_MODES)[number];

export type AuthorizationErrorCode =
  | 'invalid_request'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'login_required';

export interface AuthorizationRequest {
  clientId: string;
  /** The registered spelling of the requested redirect URI. */
  redirectUri: string;
  responseMode: OidcResponseMode;
  state?: string;
  nonce?: string;
  scopes: Scope[];
  scope: string;
  codeChallenge: string | null;
  prompt: { none: boolean; login: boolean };
  maxAge?: number;
  loginHint?: string;
}

/** Where and how an error may be sent to the app, once its redirect URI is known good. */
export interface ErrorDelivery {
  redirectUri: string;
  responseMode: OidcResponseMode;
  state?: string;
}

export type AuthorizationCheck =
  /** Shown to the person; never a redirect (unknown client, bad redirect URI). */
  /** `registered` and `detail` (how the request differs from them) are shown to a signed-in admin only. */
  | { kind: 'page'; status: 400; title: string; message: string; registered?: readonly string[]; detail?: string }
  | { kind: 'error'; delivery: ErrorDelivery; error: AuthorizationErrorCode; description: string }
  | { kind: 'ok'; request: AuthorizationRequest };

type ClientFacts = Pick<App, 'clientId' | 'redirectUrls' | 'tokenEndpointAuthMethod' | 'requirePkce'>;

const page = (title: string, message: string, registered?: readonly string[], detail?: string): RefusalPage => ({ kind: 'page', status: 400, title, message, registered, detail });

export type RefusalPage = Extract<AuthorizationCheck, { kind: 'page' }>;

/** The client_id of a request, or the page that says why there is none. */
export function requestedClientId({ values, repeated }: SingleValues): { clientId: string } | RefusalPage {
  if (repeated.includes('client_id')) return page('Invalid sign-in request', 'The sign-in request names client_id more than once.');
  const clientId = values.client_id;
  if (!clientId) return page('Invalid sign-in request', 'The sign-in request has no client_id.');
  return { clientId };
}

export function checkAuthorizationRequest({ values, repeated }: SingleValues, app: ClientFacts): AuthorizationCheck {
  // 1. The redirect URI: until it is known to be registered, nothing is sent to it.
  if (repeated.includes('redirect_uri')) return page('Invalid sign-in request', 'The sign-in request names redirect_uri more than once.');
  const requested = values.redirect_uri;
  if (requested === undefined || requested === '') return page('Invalid sign-in request', 'The sign-in request has no redirect_uri; OpenID Connect requires one.');
  const redirectUri = matchRedirect(app.redirectUrls, requested);
  if (!redirectUri) {
    const message = 'The application asked to receive the sign-in at a URL that is not registered for it, so you will not be sent there.';
    return page('Redirect URL not registered', message, app.redirectUrls, describeMismatch(app.redirectUrls, requested));
  }

  // 2. How errors travel back: an unusable response_mode or state is itself reported by query.
  const modeOk = values.response_mode === undefined || (RESPONSE_MODES as readonly string[]).includes(values.response_mode);
  const responseMode: OidcResponseMode = modeOk && values.response_mode === 'form_post' ? 'form_post' : 'query';
  const stateOk = values.state === undefined || values.state.length <= MAX_STATE_LENGTH;
  const delivery: ErrorDelivery = { redirectUri, responseMode, state: stateOk ? values.state : undefined };
  const fail = (error: AuthorizationErrorCode, description: string): AuthorizationCheck => ({ kind: 'error', delivery, error, description });
  if (!modeOk) return fail('invalid_request', 'response_mode must be query or form_post.');
  if (!stateOk) return fail('invalid_request', `state must be at most ${MAX_STATE_LENGTH} characters.`);
  if (repeated.length > 0) return fail('invalid_request', `Parameters may appear only once: ${repeated.join(', ')}.`);
  if (values.request !== undefined) return fail('request_not_supported', 'Request objects are not supported; send the parameters directly.');
  if (values.request_uri !== undefined) return fail('request_uri_not_supported', 'request_uri is not supported; send the parameters directly.');

  // 3. The request itself.
  if (values.response_type === undefined) return fail('invalid_request', 'response_type is required (code).');
  if (values.response_type !== 'code') return fail('unsupported_response_type', 'Only the authorization code flow is supported: response_type=code.');
  const scopes = grantedScopes(values.scope);
  if (!scopes.includes('openid')) return fail('invalid_scope', 'scope must include openid.');

  const method = values.code_challenge_method;
  const challenge = values.code_challenge;
  if (method !== undefined && method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256 (plain is not supported).');
  if (challenge === undefined) {
    if (method !== undefined) return fail('invalid_request', 'code_challenge_method was sent without a code_challenge.');
    if (app.tokenEndpointAuthMethod === 'none') return fail('invalid_request', 'This is a public client: PKCE is required (code_challenge with code_challenge_method=S256).');
    if (app.requirePkce) return fail('invalid_request', 'This client must use PKCE: send code_challenge with code_challenge_method=S256.');
  } else {
    if (method === undefined) return fail('invalid_request', 'code_challenge_method=S256 is required with code_challenge (plain is not supported).');
    if (!isValidChallenge(challenge)) return fail('invalid_request', 'code_challenge must be the 43-character base64url SHA-256 of the code verifier.');
  }

  if (values.nonce !== undefined && values.nonce.length > MAX_NONCE_LENGTH) return fail('invalid_request', `nonce must be at most ${MAX_NONCE_LENGTH} characters.`);

  const prompts = new Set((values.prompt ?? '').split(' ').filter((p) => p !== ''));
  // Other values (consent, select_account) have nothing to do here: there is no consent screen, and one account per session.
  if (prompts.has('none') && prompts.size > 1) return fail('invalid_request', 'prompt=none cannot be combined with other prompt values.');

  let maxAge: number | undefined;
  if (values.max_age !== undefined) {
    if (!/^\d{1,10}$/.test(values.max_age)) return fail('invalid_request', 'max_age must be a whole number of seconds.');
    maxAge = Number(values.max_age);
  }

  const hint = values.login_hint?.trim();
  return {
    kind: 'ok',
    request: {
      clientId: app.clientId,
      redirectUri,
      responseMode,
      state: values.state,
      nonce: values.nonce,
      scopes,
      scope: formatScope(scopes),
      codeChallenge: challenge ?? null,
      prompt: { none: prompts.has('none'), login: prompts.has('login') },
      maxAge,
      loginHint: hint && hint.length <= MAX_LOGIN_HINT_LENGTH ? hint : undefined,
    },
  };
}

export type SessionDecision = 'issue' | 'sign-in' | 'login_required';

/** Whether a session may answer the request, or the person must sign in (again). */
export function decideSession(request: Pick<AuthorizationRequest, 'prompt' | 'maxAge'>, session: { authTime: number } | null, now: number): SessionDecision {
  const stale = session !== null && request.maxAge !== undefined && now - session.authTime > request.maxAge;
  if (session && !stale && !request.prompt.login) return 'issue';
  return request.prompt.none ? 'login_required' : 'sign-in';
}

/**
 * The request to resume after the login page: the same parameters without prompt and max_age,
 * which the fresh sign-in has just satisfied (keeping them would send the person back again).
 */
export function resumePath(path: string, values: Record<string, string>): string {
  const params = new URLSearchParams(Object.entries(values).filter(([name]) => name !== 'prompt' && name !== 'max_age'));
  return `${path}?${params}`;
}

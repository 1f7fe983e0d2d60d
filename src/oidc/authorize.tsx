// GET and POST /oauth2/authorize: the authorization code flow with PKCE (OIDC Core §3.1.2).
// Shares the SSO URL's steps (cached app, exact redirect match, one KV session read) and ends
// by issuing a code instead of a token.
import { Hono } from 'hono';
import { auditAccessDenied } from '../access/denied';
import { loadServedApp } from '../apps/served';
import { audit } from '../audit/audit';
import type { AppContext, AppEnv } from '../http/context';
import { dbOf, issuerOf } from '../http/context';
import { nowSeconds } from '../lib/time';
import { stepUp } from '../mfa/step-up';
import { answeringSession, verdict } from '../sso/gate';
import { deliver } from '../sso/deliver';
import { rememberAppSignIn } from '../logout/backchannel';
import { checkAuthorizationRequest, decideSession, requestedClientId, resumePath, type ErrorDelivery } from './authorize-request';
import { oidcPaths } from './config';
import { bodyText, singleValues, type SingleValues } from './form';
import { issueCode } from './grants';
import { sendToLogin } from './login-redirect';
import { refusedRequest, unknownClient } from './pages';

export const authorizeRoutes = new Hono<AppEnv>();

/** A posted request becomes a URL: keep it well under the URL limits of browsers and Cloudflare. */
const MAX_POSTED_REQUEST = 8 * 1024;

authorizeRoutes.get(oidcPaths.authorization, (c) => authorize(c, singleValues(new URL(c.req.url).searchParams)));
/**
 * POST carries the same parameters as a form. A cross-site POST does not carry our SameSite=Lax
 * session cookie, so the request continues as the equivalent GET (a top-level navigation, which
 * does), instead of asking a signed-in person for their password again.
 */
authorizeRoutes.post(oidcPaths.authorization, async (c) => {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    return refusedRequest(c, { status: 400, title: 'Invalid sign-in request', message: 'A POSTed sign-in request must be an application/x-www-form-urlencoded form.' });
  }
  const text = await bodyText(c);
  if (text.length > MAX_POSTED_REQUEST) return refusedRequest(c, { status: 400, title: 'Invalid sign-in request', message: 'The sign-in request is too large.' });
  return c.redirect(`${oidcPaths.authorization}?${new URLSearchParams(text)}`, 303);
});

/** Sends an authorization response (RFC 6749 §4.1.2, with `iss` from RFC 9207) to the app. */
function respond(c: AppContext, delivery: ErrorDelivery, params: Record<string, string | undefined>) {
  return deliver(c, delivery.responseMode, delivery.redirectUri, { ...params, state: delivery.state, iss: issuerOf(c) });
}

async function authorize(c: AppContext, params: SingleValues) {
  const client = requestedClientId(params);
  if ('kind' in client) return refusedRequest(c, client);
  const app = await loadServedApp(c.env, client.clientId);
  if (!app || app.protocol === 'saml') return unknownClient(c);

  const check = checkAuthorizationRequest(params, app);
  if (check.kind === 'page') return refusedRequest(c, check);
  if (check.kind === 'error') return respond(c, check.delivery, { error: check.error, error_description: check.description });
  const request = check.request;

  // An app with a primary identity source accepts only a session from that source (as the SSO URL does).
  const session = await answeringSession(c, { source: app.identitySource, fresh: request.prompt.login });
  const now = nowSeconds();
  const decision = decideSession(request, session, now);
  if (decision === 'login_required') {
    return respond(c, request, { error: 'login_required', error_description: 'The user must sign in, and prompt=none forbids showing the login page.' });
  }
  if (decision === 'sign-in' || !session) {
    return sendToLogin(c, {
      returnTo: resumePath(oidcPaths.authorization, params.values),
      clientId: app.clientId,
      target: request.redirectUri,
      loginHint: request.loginHint,
      source: app.identitySource,
      // prompt=login, or a session older than max_age: the source must authenticate the user again.
      forceLogin: request.prompt.login || session !== null,
    });
  }
  const allowed = await verdict(c.env, app, session);
  if (allowed === 'denied') {
    auditAccessDenied(c, app, session.userId, 'oidc.authorize');
    return respond(c, request, { error: 'access_denied', error_description: 'The user is not allowed to use this application (its access rule). An administrator can grant access.' });
  }

  // Step-up (src/mfa/assurance.ts): a second factor this app needs and the session has not given.
  if (allowed !== 'allowed') {
    return stepUp(c, allowed, request.prompt.none ? 'none' : undefined, request.redirectUri, request.state, request.responseMode, app.clientId, { iss: issuerOf(c) });
  }

  const code = await issueCode(
    dbOf(c),
    {
      clientId: app.clientId,
      userId: session.userId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      scope: request.scope,
      nonce: request.nonce ?? null,
      authTime: session.authTime,
      amr: session.amr,
      source: session.source ?? null,
    },
    now,
  );
  await rememberAppSignIn(c, session, app.clientId);
  audit(c, { type: 'oidc.code', actor: session.userId, target: app.clientId, detail: { scope: request.scope } });
  return respond(c, request, { code });
}

/** RFC 6749 §4.1.2.1: error_description is printable ASCII without `"` or `\`. */
const oauthText = (text: string) => text.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '').slice(0, 300);

/**
 * When an identity source refuses or fails a sign-in that an OIDC app started (the pending flow
 * returns to /oauth2/authorize), the app hears it at its redirect URI, as `error` with its state
 * and iss, instead of the person being stranded on an edge-sso page. The request is checked again
 * first (client, registered redirect URI): if it does not hold, null, and the caller shows its page.
 */
export async function answerUpstreamFailure(c: AppContext, returnTo: string, failure: { code: string; message: string }): Promise<Response | null> {
  const url = new URL(returnTo, issuerOf(c));
  if (url.pathname !== oidcPaths.authorization) return null;
  const params = singleValues(url.searchParams);
  const client = requestedClientId(params);
  if ('kind' in client) return null;
  const app = await loadServedApp(c.env, client.clientId);
  if (!app) return null;
  const check = checkAuthorizationRequest(params, app);
  if (check.kind === 'page') return null;
  const delivery = check.kind === 'ok' ? check.request : check.delivery;
  const error = failure.code === 'access_denied' ? 'access_denied' : failure.code === 'unreachable' ? 'temporarily_unavailable' : 'server_error';
  return respond(c, delivery, { error, error_description: oauthText(failure.message) });
}

// GET and POST /oauth2/logout: RP-Initiated Logout 1.0. Ends the session and returns to the app
// at a registered post-logout URL with its state, or shows the signed-out page.
//
// CSRF: a sign-out is a state change. A request proves it comes from the person's app with a
// valid id_token_hint for the signed-in user; without one, the person confirms with a POST that
// carries our CSRF token (src/http/csrf.ts).
import { Hono } from 'hono';
import type { App } from '../apps/app';
import { matchRedirect } from '../apps/redirects';
import { loadServedApp } from '../apps/served';
import { audit } from '../audit/audit';
import type { AppContext, AppEnv } from '../http/context';
import { issuerOf } from '../http/context';
import { checkCsrf, CSRF_FIELD } from '../http/csrf';
import { SignedOutPage } from '../login/pages';
import { readSession, type Session } from '../sessions/sessions';
import { endSessionAndNotifyApps } from '../logout/backchannel';
import { MAX_STATE_LENGTH, oidcPaths } from './config';
import { bodyText, singleValues } from './form';
import { refusedRequest, confirmSignOut } from './pages';
import { verifyIdTokenHint } from './tokens';

export const logoutRoutes = new Hono<AppEnv>();

/** The parameters RP-Initiated Logout defines; anything else is ignored. */
const LOGOUT_PARAMETERS = ['id_token_hint', 'client_id', 'post_logout_redirect_uri', 'state', 'logout_hint', 'ui_locales'] as const;

logoutRoutes.get(oidcPaths.endSession, (c) => logout(c, Object.fromEntries(new URL(c.req.url).searchParams), false));
logoutRoutes.post(oidcPaths.endSession, async (c) => {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    return refusedRequest(c, { status: 400, title: 'Invalid sign-out request', message: 'A POSTed sign-out request must be an application/x-www-form-urlencoded form.' });
  }
  const text = await bodyText(c);
  if (text.length > 64 * 1024) return refusedRequest(c, { status: 400, title: 'Invalid sign-out request', message: 'The sign-out request is too large.' });
  const { values } = singleValues(new URLSearchParams(text));
  if (values.confirm === 'yes') {
    // Our own confirmation form: it must carry our CSRF token (403 otherwise).
    await checkCsrf(c, values[CSRF_FIELD]);
    return logout(c, values, true);
  }
  return logout(c, values, false);
});

function invalid(c: AppContext, message: string) {
  return refusedRequest(c, { status: 400, title: 'Invalid sign-out request', message });
}

async function logout(c: AppContext, params: Record<string, string>, confirmed: boolean) {
  const session = await readSession(c);
  const hintToken = params.id_token_hint;
  // A hint we cannot verify (forged, or signed by a key retired since) proves nothing: the person is asked.
  const hint = hintToken ? await verifyIdTokenHint(c.env, issuerOf(c), hintToken) : null;
  if (hint && params.client_id !== undefined && params.client_id !== hint.aud) return invalid(c, 'client_id does not match the id_token_hint.');

  const clientId = hint?.aud ?? params.client_id;
  const app = clientId ? await loadServedApp(c.env, clientId) : null;
  if (clientId && !app) return invalid(c, 'The sign-out request names an application that is not registered here.');

  const requested = params.post_logout_redirect_uri;
  let target: string | null = null;
  if (requested !== undefined) {
    if (!app) return invalid(c, 'post_logout_redirect_uri needs client_id or id_token_hint, to know which application registered it.');
    target = matchRedirect(app.logoutUrls, requested);
  }

  // Proof that the app of the signed-in person asks: a hint for that same user. Otherwise ask.
  const proven = session === null || (hint !== null && hint.sub === session.userId);
  if (!proven && !confirmed) {
    // The confirmation's POST ends in a redirect to the app: the page's CSP form-action must allow it.
    if (target) c.set('formActionOrigins', [new URL(target).origin]);
    const fields = Object.fromEntries(LOGOUT_PARAMETERS.filter((name) => params[name] !== undefined).map((name) => [name, params[name]!]));
    return confirmSignOut(c, fields, app?.name);
  }

  if (session) await signOut(c, session, app);
  if (requested !== undefined && !target) {
    return c.html(<SignedOutPage note={`${app!.name} asked to send you to an address that is not registered for it, so you stay here.`} />);
  }
  if (!target) return c.html(<SignedOutPage />);
  const url = new URL(target);
  const state = params.state;
  if (state !== undefined && state.length <= MAX_STATE_LENGTH) url.searchParams.set('state', state);
  return c.redirect(url.href, 303);
}

/** Ends the browser's session. Back-channel logout notifications hook in here. */
async function signOut(c: AppContext, session: Session, app: App | null): Promise<void> {
  await endSessionAndNotifyApps(c, session);
  audit(c, { type: 'logout', actor: session.userId, target: app?.clientId ?? '', detail: { protocol: 'oidc' } });
}

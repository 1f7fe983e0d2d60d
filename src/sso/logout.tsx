// Sign-out: GET /sso/logout (apps link to it) and POST /sso/logout (the confirmation's button).
// A GET that another site triggered (`Sec-Fetch-Site: cross-site`) ends the session only when it
// carries proof that an app asked: a registered client_id + redirect_uri, or an id_token_hint this
// issuer signed for the signed-in user. Otherwise the person is asked "Sign out?" first, so a
// hostile page cannot sign them out (logout CSRF).
import { Hono } from 'hono';
import { decodeJwt } from 'jose';
import { matchRedirect } from '../apps/redirects';
import { loadServedApp } from '../apps/served';
import type { ServedApp } from '../apps/cache';
import { audit } from '../audit/audit';
import type { Branding } from '../policy/branding';
import { brandingFor } from '../branding/page';
import { issuerFor, settingsFrom } from '../env';
import type { AppContext, AppEnv } from '../http/context';
import { checkCsrf, CSRF_FIELD, csrfToken } from '../http/csrf';
import { limitBody, readForm } from '../http/forms';
import { SignedOutPage } from '../login/pages';
import { endSessionAndNotifyApps } from '../logout/backchannel';
import { readSession, type Session } from '../sessions/sessions';
import { inspectIdToken } from '../tokens/verify';
import { Page } from '../ui/layout';

const MAX_STATE_LENGTH = 2048;
const MAX_HINT_LENGTH = 8192;

export const logoutRoutes = new Hono<AppEnv>();

interface LogoutRequest {
  clientId?: string;
  redirectUri?: string;
  state?: string;
  idTokenHint?: string;
}

/** The registered URL an app asked to return to after sign-out, or null. */
function returnTarget(app: ServedApp | null, requested: string | undefined): string | null {
  if (!app || requested === undefined) return null;
  return matchRedirect([...app.logoutUrls, ...app.redirectUrls], requested);
}

/**
 * Whether `hint` is an id_token this issuer signed for the signed-in user. It may have expired
 * (apps keep the token they got at sign-in), but not longer ago than a session can live.
 */
async function isOwnHint(c: AppContext, session: Session, hint: string | undefined): Promise<boolean> {
  if (!hint || hint.length > MAX_HINT_LENGTH) return false;
  try {
    const aud = decodeJwt(hint).aud;
    const clientId = typeof aud === 'string' ? aud : undefined;
    const app = clientId ? await loadServedApp(c.env, clientId) : null;
    if (!app) return false;
    const { sessionTtlSeconds } = settingsFrom(c.env);
    const check = await inspectIdToken(c.env, app, hint, issuerFor(c.env, c.req.url), { clockTolerance: sessionTtlSeconds });
    return check.error === null && check.claims.sub === session.userId;
  } catch {
    // Not a JWT at all, or an app whose secret cannot be read: not proof.
    return false;
  }
}

function SignOutConfirmPage(props: { c: AppContext; request: LogoutRequest; appName?: string; branding: Branding; email: string }) {
  const { request } = props;
  const hidden: [string, string | undefined][] = [
    ['client_id', request.clientId],
    ['redirect_uri', request.redirectUri],
    ['state', request.state],
  ];
  return (
    <Page title="Sign out?" branding={props.branding} nonce={props.c.get('cspNonce')}>
      <h1>Sign out?</h1>
      <p>
        Another website sent you here to end your single sign-on session as <strong>{props.email}</strong>
        {props.appName ? ` (it named ${props.appName})` : ''}. If you did not mean to sign out, stay signed in.
      </p>
      <form method="post" action="/sso/logout">
        <input type="hidden" name={CSRF_FIELD} value={csrfToken(props.c)} />
        {hidden.map(([name, value]) => value !== undefined && <input type="hidden" name={name} value={value} />)}
        <div class="actions">
          <button type="submit" class="inline">
            Sign out
          </button>
          <a class="button secondary inline" href="/my-apps">
            Stay signed in
          </a>
        </div>
      </form>
    </Page>
  );
}

/** Ends the session, then returns to the app at a registered URL, or shows the signed-out page. */
async function signOut(c: AppContext, session: Session | null, request: LogoutRequest, app: ServedApp | null) {
  await endSessionAndNotifyApps(c, session);
  if (session) audit(c, { type: 'logout', actor: session.userId, target: request.clientId ?? '' });
  const target = returnTarget(app, request.redirectUri);
  if (!target) {
    const branding = await brandingFor(c.env, app);
    const note =
      request.clientId && request.redirectUri !== undefined ? "The application's return address is not registered, so you were not sent back to it." : undefined;
    return c.html(<SignedOutPage note={note} branding={branding} nonce={c.get('cspNonce')} />);
  }
  const url = new URL(target);
  if (request.state !== undefined && request.state.length <= MAX_STATE_LENGTH) url.searchParams.set('state', request.state);
  return c.redirect(url.href, 303);
}

/** GET /sso/logout?client_id=…&redirect_uri=…&state=…&id_token_hint=… */
logoutRoutes.get('/sso/logout', async (c) => {
  const request: LogoutRequest = {
    clientId: c.req.query('client_id'),
    redirectUri: c.req.query('redirect_uri'),
    state: c.req.query('state'),
    idTokenHint: c.req.query('id_token_hint'),
  };
  const session = await readSession(c);
  const app = request.clientId ? await loadServedApp(c.env, request.clientId) : null;
  const crossSite = c.req.header('sec-fetch-site') === 'cross-site';
  const proven = !session || !crossSite || returnTarget(app, request.redirectUri) !== null || (await isOwnHint(c, session, request.idTokenHint));
  if (!proven) {
    const branding = await brandingFor(c.env, app);
    return c.html(<SignOutConfirmPage c={c} request={request} appName={app?.name} branding={branding} email={session.profile.email} />);
  }
  return signOut(c, session, request, app);
});

/** POST /sso/logout: the confirmation's button (and any same-site form), CSRF-checked. */
logoutRoutes.post('/sso/logout', limitBody(16 * 1024), async (c) => {
  const form = await readForm(c);
  await checkCsrf(c, form[CSRF_FIELD]);
  const text = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
  const request: LogoutRequest = { clientId: text('client_id') || undefined, redirectUri: text('redirect_uri'), state: text('state') };
  const session = await readSession(c);
  const app = request.clientId ? await loadServedApp(c.env, request.clientId) : null;
  return signOut(c, session, request, app);
});

// The JWT SSO routes: the SSO URL an app sends browsers to, and sign-out (./logout.tsx).
import { Hono } from 'hono';
import { accessDeniedPage, auditAccessDenied } from '../access/denied';
import { resolveRedirect } from '../apps/redirects';
import { loadServedApp } from '../apps/served';
import type { ServedApp } from '../apps/cache';
import { brandingFor } from '../branding/page';
import { issuerFor } from '../env';
import type { AppContext, AppEnv } from '../http/context';
import { SLUG_PATTERN } from '../lib/slug';
import { rememberAppSignIn } from '../logout/backchannel';
import { sendToLogin } from '../oidc/login-redirect';
import { mintIdToken } from '../tokens/mint';
import { MessagePage } from '../ui/layout';
import { deliver } from './deliver';
import { isConsoleAdmin, stepUp } from '../mfa/step-up';
import { answeringSession, verdict } from './gate';
import { logoutRoutes } from './logout';

const MAX_STATE_LENGTH = 2048;
const PROMPTS = ['login', 'none'] as const;

export const ssoRoutes = new Hono<AppEnv>();

ssoRoutes.get('/sso/jwt/:clientId', (c) => signIn(c, c.req.param('clientId')));
ssoRoutes.get('/sso/jwt', (c) => signIn(c, c.req.query('client_id')));
ssoRoutes.route('/', logoutRoutes);

async function unknownApp(c: AppContext) {
  return c.html(
    <MessagePage title="Unknown application" branding={await brandingFor(c.env)} nonce={c.get('cspNonce')}>
      <p>This sign-in link names an application that is not registered here. Check the link, or ask the application's administrator.</p>
    </MessagePage>,
    404,
  );
}

async function badRequest(c: AppContext, message: string, app?: ServedApp) {
  return c.html(
    <MessagePage title="Invalid sign-in request" branding={await brandingFor(c.env, app)} nonce={c.get('cspNonce')}>
      <p>{message}</p>
    </MessagePage>,
    400,
  );
}

/**
 * The 400 page for a redirect_uri the app has not registered. Only an admin whose session the
 * console would accept (isConsoleAdmin) sees the registered URLs and how the request differs from
 * them (the console's Test SSO shows the same); to anyone else they would map the app's infrastructure.
 */
async function unregisteredRedirect(c: AppContext, app: ServedApp, requested: string, explanation: string) {
  const isAdmin = await isConsoleAdmin(c);
  return c.html(
    <MessagePage title="Redirect URL not registered" branding={await brandingFor(c.env, app)} nonce={c.get('cspNonce')}>
      <p>
        <strong>{app.name}</strong> asked to receive the sign-in at a URL that is not registered for it, so you will not be sent there.
      </p>
      {isAdmin ? (
        <>
          <p>
            Requested: <span class="url">{requested}</span>
          </p>
          <p>Registered redirect URLs (the request must match one exactly):</p>
          <ul class="urls">
            {app.redirectUrls.map((url) => (
              <li class="url">{url}</li>
            ))}
          </ul>
          <p class="muted">{explanation}</p>
        </>
      ) : (
        <p class="muted">Tell the application's administrator. An edge-sso administrator who signs in and opens this link again sees the registered URLs.</p>
      )}
    </MessagePage>,
    400,
  );
}

/** GET /sso/jwt/:clientId — validate the app and redirect URL, then sign in (or reuse the session) and deliver the token. */
async function signIn(c: AppContext, clientId: string | undefined) {
  if (!clientId) return badRequest(c, 'The sign-in link has no client_id.');
  const app = await loadServedApp(c.env, clientId);
  // A SAML app is served by the SAML IdP only: no id_token for it here.
  if (!app || app.protocol === 'saml') return unknownApp(c);

  const requested = c.req.query('redirect_uri');
  const resolved = resolveRedirect(app.redirectUrls, requested);
  if (!resolved.ok) return requested === undefined ? badRequest(c, resolved.explanation, app) : unregisteredRedirect(c, app, requested, resolved.explanation);
  const target = resolved.url;

  const state = c.req.query('state');
  if (state !== undefined && state.length > MAX_STATE_LENGTH) return badRequest(c, `state must be at most ${MAX_STATE_LENGTH} characters.`, app);
  const prompt = c.req.query('prompt');
  if (prompt !== undefined && !(PROMPTS as readonly string[]).includes(prompt)) return badRequest(c, 'prompt must be "login" or "none".', app);

  // An identity source picked by the link (?idp=) or the app's primary source: only a session from it will do.
  const idp = c.req.query('idp');
  if (idp !== undefined && !SLUG_PATTERN.test(idp)) return badRequest(c, 'idp must be the slug of an identity source.');
  const source = idp ?? app.identitySource ?? undefined;
  const session = await answeringSession(c, { source, fresh: prompt === 'login' });
  if (!session) {
    // prompt=none: the app asked not to show a login page, so tell it (OIDC's error name).
    if (prompt === 'none') return deliver(c, app.responseMode, target, { error: 'login_required', state });
    const resume = new URL(c.req.url);
    resume.searchParams.delete('prompt');
    return sendToLogin(c, { returnTo: resume.pathname + resume.search, clientId: app.clientId, target, source, forceLogin: prompt === 'login' });
  }

  const decision = await verdict(c.env, app, session);
  if (decision === 'denied') {
    // prompt=none asked for no page: the app hears the refusal (as an OIDC app would), still without a token.
    if (prompt !== 'none') return accessDeniedPage(c, app, session.userId, 'sso');
    auditAccessDenied(c, app, session.userId, 'sso');
    return deliver(c, app.responseMode, target, { error: 'access_denied', state });
  }
  // Step-up (src/mfa/assurance.ts): this app's policy, the global one and the user's, against what the session proved.
  if (decision !== 'allowed') return stepUp(c, decision, prompt, target, state, app.responseMode, app.clientId);

  const idToken = await mintIdToken(c.env, app, session, issuerFor(c.env, c.req.url));
  await rememberAppSignIn(c, session, app.clientId);
  return deliver(c, app.responseMode, target, { id_token: idToken, state });
}

// The JWT SSO routes: the SSO URL an app sends browsers to, and sign-out.
import { Hono } from 'hono';
import { matchRedirect, resolveRedirect } from '../apps/redirects';
import { loadServedApp } from '../apps/served';
import type { ServedApp } from '../apps/cache';
import { audit } from '../audit/audit';
import { issuerFor } from '../env';
import type { AppContext, AppEnv } from '../http/context';
import { SignedOutPage } from '../login/pages';
import { createFlow } from '../sessions/flows';
import { endSessionAndNotifyApps, rememberAppSignIn } from '../oidc/backchannel';
import { readSession } from '../sessions/sessions';
import { mintIdToken } from '../tokens/mint';
import { MessagePage } from '../ui/layout';
import { deliver } from './deliver';

const MAX_STATE_LENGTH = 2048;
const PROMPTS = ['login', 'none'] as const;

export const ssoRoutes = new Hono<AppEnv>();

ssoRoutes.get('/sso/jwt/:clientId', (c) => signIn(c, c.req.param('clientId')));
ssoRoutes.get('/sso/jwt', (c) => signIn(c, c.req.query('client_id')));

function unknownApp(c: AppContext) {
  return c.html(
    <MessagePage title="Unknown application">
      <p>This sign-in link names an application that is not registered here. Check the link, or ask the application's administrator.</p>
    </MessagePage>,
    404,
  );
}

function badRequest(c: AppContext, message: string) {
  return c.html(
    <MessagePage title="Invalid sign-in request">
      <p>{message}</p>
    </MessagePage>,
    400,
  );
}

function unregisteredRedirect(c: AppContext, app: ServedApp, requested: string, explanation: string) {
  return c.html(
    <MessagePage title="Redirect URL not registered">
      <p>
        <strong>{app.name}</strong> asked to receive the sign-in at a URL that is not registered for it, so edge-sso will not send you
        there.
      </p>
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
    </MessagePage>,
    400,
  );
}

/** GET /sso/jwt/:clientId — validate the app and redirect URL, then sign in (or reuse the session) and deliver the token. */
async function signIn(c: AppContext, clientId: string | undefined) {
  if (!clientId) return badRequest(c, 'The sign-in link has no client_id.');
  const app = await loadServedApp(c.env, clientId);
  if (!app) return unknownApp(c);

  const requested = c.req.query('redirect_uri');
  const resolved = resolveRedirect(app.redirectUrls, requested);
  if (!resolved.ok) return requested === undefined ? badRequest(c, resolved.explanation) : unregisteredRedirect(c, app, requested, resolved.explanation);
  const target = resolved.url;

  const state = c.req.query('state');
  if (state !== undefined && state.length > MAX_STATE_LENGTH) return badRequest(c, `state must be at most ${MAX_STATE_LENGTH} characters.`);
  const prompt = c.req.query('prompt');
  if (prompt !== undefined && !(PROMPTS as readonly string[]).includes(prompt)) return badRequest(c, 'prompt must be "login" or "none".');

  const session = prompt === 'login' ? null : await readSession(c);
  if (!session) {
    // prompt=none: the app asked not to show a login page, so tell it (OIDC's error name).
    if (prompt === 'none') return deliver(c, app.responseMode, target, { error: 'login_required', state });
    const resume = new URL(c.req.url);
    resume.searchParams.delete('prompt');
    const flow = await createFlow(c.env.KV, {
      returnTo: resume.pathname + resume.search,
      clientId: app.clientId,
      targetOrigin: new URL(target).origin,
    });
    return c.redirect(`/login?flow=${flow}`, 303);
  }

  const idToken = await mintIdToken(c.env, app, session, issuerFor(c.env, c.req.url));
  await rememberAppSignIn(c, session, app.clientId);
  return deliver(c, app.responseMode, target, { id_token: idToken, state });
}

/** GET /sso/logout?client_id=…&redirect_uri=… — end the session; return to the app only at a URL registered for it. */
ssoRoutes.get('/sso/logout', async (c) => {
  const session = await readSession(c);
  await endSessionAndNotifyApps(c, session);
  if (session) audit(c, { type: 'logout', actor: session.userId, target: c.req.query('client_id') ?? '' });

  const clientId = c.req.query('client_id');
  const requested = c.req.query('redirect_uri');
  if (!clientId || requested === undefined) return c.html(<SignedOutPage />);
  const app = await loadServedApp(c.env, clientId);
  const target = app && matchRedirect([...app.logoutUrls, ...app.redirectUrls], requested);
  if (!target) {
    return c.html(<SignedOutPage note="The application's return address is not registered, so you were not sent back to it." />);
  }
  const url = new URL(target);
  const state = c.req.query('state');
  if (state !== undefined && state.length <= MAX_STATE_LENGTH) url.searchParams.set('state', state);
  return c.redirect(url.href, 303);
});

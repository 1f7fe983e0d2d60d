// GET /login shows the sign-in form; POST /login checks the credentials, starts a new session
// and sends the browser back to what it asked for (the pending flow), always with a 303.
import { Hono } from 'hono';
import { loadServedApp } from '../apps/served';
import { audit } from '../audit/audit';
import { database } from '../db/client';
import { settingsFrom } from '../env';
import type { AppContext, AppEnv } from '../http/context';
import { checkCsrf, CSRF_FIELD, csrfToken } from '../http/csrf';
import { deleteFlow, readFlow, type Flow } from '../sessions/flows';
import { readSession, startSession } from '../sessions/sessions';
import { authenticate } from '../users/store';
import { profileClaims } from '../users/user';
import { LoginPage, SignedInPage } from './pages';

// One message for every refusal, so the page never says whether an account exists.
const INVALID_CREDENTIALS = 'The email or password is not correct.';
const EXPIRED_FLOW = 'This sign-in request has expired. Go back to the application and start again.';

export const loginRoutes = new Hono<AppEnv>();

async function appNameFor(c: AppContext, flow: Flow | null): Promise<string | undefined> {
  return flow?.clientId ? (await loadServedApp(c.env, flow.clientId))?.name : undefined;
}

function allowTarget(c: AppContext, flow: Flow | null): void {
  // After sign-in the browser follows redirects to the app; CSP form-action must allow that origin.
  if (flow?.targetOrigin) c.set('formActionOrigins', [flow.targetOrigin]);
}

loginRoutes.get('/login', async (c) => {
  const flowId = c.req.query('flow');
  const flow = await readFlow(c.env.KV, flowId);
  const csrf = csrfToken(c);
  if (!flow) {
    const session = await readSession(c);
    if (session) return c.html(<SignedInPage email={session.profile.email} />);
    if (flowId) return c.html(<LoginPage csrf={csrf} error={EXPIRED_FLOW} />, 400);
  }
  allowTarget(c, flow);
  return c.html(<LoginPage csrf={csrf} flow={flow ? flowId : undefined} appName={await appNameFor(c, flow)} />);
});

loginRoutes.post('/login', async (c) => {
  const form = await c.req.parseBody();
  await checkCsrf(c, form[CSRF_FIELD]);
  const email = typeof form.email === 'string' ? form.email.trim() : '';
  const password = typeof form.password === 'string' ? form.password : '';
  const flowId = typeof form.flow === 'string' && form.flow !== '' ? form.flow : undefined;
  const flow = await readFlow(c.env.KV, flowId);
  const csrf = csrfToken(c);
  if (flowId && !flow) return c.html(<LoginPage csrf={csrf} email={email} error={EXPIRED_FLOW} />, 400);

  const user = email && password.length <= 1024 ? await authenticate(database(c.env.DB), email, password) : null;
  if (!user) {
    audit(c, { type: 'login.failure', actor: 'anonymous', target: email.toLowerCase().slice(0, 254), detail: { client_id: flow?.clientId } });
    allowTarget(c, flow);
    return c.html(
      <LoginPage csrf={csrf} flow={flowId} email={email} error={INVALID_CREDENTIALS} appName={await appNameFor(c, flow)} />,
      401,
    );
  }

  await startSession(c, { userId: user.id, amr: ['pwd'], profile: profileClaims(user), roles: user.roles }, settingsFrom(c.env).sessionTtlSeconds);
  audit(c, { type: 'login.success', actor: user.id, target: user.email, detail: { client_id: flow?.clientId } });
  if (!flow || !flowId) return c.redirect('/login', 303);
  await deleteFlow(c.env.KV, flowId);
  allowTarget(c, flow);
  return c.redirect(flow.returnTo, 303);
});

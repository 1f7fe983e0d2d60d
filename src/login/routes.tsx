// GET /login shows the sign-in form; POST /login checks the credentials, starts a new session
// and sends the browser back to what it asked for (the pending flow), always with a 303.
import { Hono } from 'hono';
import { loadServedApp } from '../apps/served';
import { audit } from '../audit/audit';
import { resolveBranding } from '../branding/branding';
import { loadGlobalBranding } from '../branding/store';
import { database } from '../db/client';
import { settingsFrom } from '../env';
import { clientIp, type AppContext, type AppEnv } from '../http/context';
import { checkCsrf, CSRF_FIELD, csrfToken } from '../http/csrf';
import { limitBody, readForm } from '../http/forms';
import { deleteFlow, readFlow, type Flow } from '../sessions/flows';
import { readSession, startSession } from '../sessions/sessions';
import { profileClaims } from '../users/user';
import { LoginPage, SignedInPage, type LoginPageProps } from './pages';
import { auditableEmail, checkSignIn } from './sign-in';

// One message for every refusal, so the page never says whether an account exists.
const INVALID_CREDENTIALS = 'The email or password is not correct.';
const EXPIRED_FLOW = 'This sign-in request has expired. Go back to the application and start again.';
const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
const tooManyFailures = (seconds: number) =>
  `Too many failed sign-ins. Try again in ${seconds < 60 ? plural(seconds, 'second') : plural(Math.ceil(seconds / 60), 'minute')}.`;

export const loginRoutes = new Hono<AppEnv>();

/** Renders the login page for a flow, with the app's name and branding, and lets its target in CSP. */
async function loginPage(c: AppContext, flow: Flow | null, props: Omit<LoginPageProps, 'branding' | 'nonce' | 'csrf' | 'appName'>, status = 200) {
  const app = flow?.clientId ? await loadServedApp(c.env, flow.clientId) : null;
  // After sign-in the browser follows redirects to the app; CSP form-action must allow that origin.
  if (flow?.targetOrigin) c.set('formActionOrigins', [flow.targetOrigin]);
  const branding = resolveBranding(await loadGlobalBranding(c.env), app?.branding);
  return c.html(
    <LoginPage {...props} branding={branding} nonce={c.get('cspNonce')} csrf={csrfToken(c)} appName={app?.name} />,
    status as 200,
  );
}

loginRoutes.get('/login', async (c) => {
  const flowId = c.req.query('flow');
  const flow = await readFlow(c.env.KV, flowId);
  if (!flow) {
    const session = await readSession(c);
    if (session) return c.html(<SignedInPage email={session.profile.email} isAdmin={session.roles.includes('admin')} />);
    if (flowId) return loginPage(c, null, { error: EXPIRED_FLOW }, 400);
  }
  // An OIDC login_hint pre-fills the email (src/oidc/login-redirect.ts).
  return loginPage(c, flow, { flow: flow ? flowId : undefined, email: c.req.query('login_hint')?.slice(0, 254) });
});

loginRoutes.post('/login', limitBody(16 * 1024), async (c) => {
  const form = await readForm(c);
  await checkCsrf(c, form[CSRF_FIELD]);
  const email = typeof form.email === 'string' ? form.email.trim().slice(0, 254) : '';
  const password = typeof form.password === 'string' ? form.password : '';
  const flowId = typeof form.flow === 'string' && form.flow !== '' ? form.flow : undefined;
  const flow = await readFlow(c.env.KV, flowId);
  if (flowId && !flow) return loginPage(c, null, { email, error: EXPIRED_FLOW }, 400);
  if (!email || !password) return loginPage(c, flow, { flow: flowId, email, error: INVALID_CREDENTIALS }, 401);

  const { lockout: policy, sessionTtlSeconds } = settingsFrom(c.env);
  const outcome = await checkSignIn(database(c.env.DB), { email, password, ip: clientIp(c) }, policy);
  const detail = { client_id: flow?.clientId };
  if (outcome.kind === 'locked') {
    audit(c, { type: 'login.locked', actor: 'anonymous', target: auditableEmail(email), detail });
    c.header('Retry-After', String(outcome.retryAfterSeconds));
    return loginPage(c, flow, { flow: flowId, email, error: tooManyFailures(outcome.retryAfterSeconds) }, 429);
  }
  if (outcome.kind === 'refused') {
    audit(c, { type: 'login.failure', actor: 'anonymous', target: auditableEmail(email), detail });
    for (const target of outcome.locked) audit(c, { type: 'login.lockout', actor: 'system', target, detail });
    return loginPage(c, flow, { flow: flowId, email, error: INVALID_CREDENTIALS }, 401);
  }

  const { user } = outcome;
  await startSession(c, { userId: user.id, amr: ['pwd'], profile: profileClaims(user), roles: user.roles }, sessionTtlSeconds);
  audit(c, { type: 'login.success', actor: user.id, target: user.email, detail });
  if (!flow || !flowId) return c.redirect('/login', 303);
  await deleteFlow(c.env.KV, flowId);
  if (flow.targetOrigin) c.set('formActionOrigins', [flow.targetOrigin]);
  return c.redirect(flow.returnTo, 303);
});

// GET /login shows the sign-in form; POST /login checks the credentials, starts a new session
// and sends the browser back to what it asked for (the pending flow), always with a 303.
import { Hono } from 'hono';
import { loadServedApp } from '../apps/served';
import { audit } from '../audit/audit';
import { resolveBranding } from '../policy/branding';
import { loadGlobalBranding } from '../branding/store';
import { database } from '../db/client';
import { directoryAuditDetail, directoryPasswordCheck, directoryProblem, loginDirectoryOf, readLoginDirectory } from '../federation/ldap/login';
import { loadLoginSources } from '../federation/store';
import { settingsFrom } from '../env';
import { throttleAddress, type AppContext, type AppEnv } from '../http/context';
import { checkCsrf, CSRF_FIELD, csrfToken } from '../http/csrf';
import { limitBody, readForm } from '../http/forms';
import { RequestError } from '../lib/errors';
import { type Flow, flowField, openFlow, readFlow } from '../sessions/flows';
import { readSession } from '../sessions/sessions';
import { factorsOf } from '../mfa/factors';
import { enrolUrl, factorsByEmail, startPasswordSession } from '../mfa/sign-in';
import { signupSettingsShown } from '../onboarding/settings';
import { LoginPage, type LoginPageProps } from './pages';
import { auditableEmail, checkSignIn } from './sign-in';
import { tooManyFailures } from './anonymous';

// One message for every refusal, so the page never says whether an account exists.
const INVALID_CREDENTIALS = 'The email or password is not correct.';
// Shown only after the right password, so it tells nothing to someone who does not know it.
const ACCOUNT_DISABLED = 'This account is disabled. Contact your administrator.';
const EXPIRED_FLOW = 'This sign-in request has expired. Go back to the application and start again.';
const EXPIRED_FORM = 'This sign-in form has expired or was sent from another site. Sign in again below.';
const BUSY = 'Too many sign-ins for this account at once. Try again in a moment.';

/** Where "Start again" leads: the request the flow was for (its SSO URL makes a fresh flow), else the login page. */
const startAgain = (flow: Flow | null | undefined) => (flow ? { href: flow.returnTo, label: 'Start again' } : { href: '/login', label: 'Back to sign-in' });

export const loginRoutes = new Hono<AppEnv>();

/** A flow the admin console started (its gate, src/admin/console/auth.tsx, returns to a console page). */
const startedByConsole = (flow: Flow | null) => !!flow && !flow.clientId && /^\/admin(?:[/?#]|$)/.test(flow.returnTo);

/** Renders the login page for a flow, with the app's name and branding, and lets its target in CSP. */
async function loginPage(c: AppContext, flow: Flow | null, props: Omit<LoginPageProps, 'branding' | 'nonce' | 'csrf' | 'appName'>, status = 200) {
  // Each comes from an isolate cache; cold, they are read in parallel (one D1 round trip).
  const [app, globalBranding, sources, signup] = await Promise.all([
    flow?.clientId ? loadServedApp(c.env, flow.clientId) : null,
    loadGlobalBranding(c.env),
    loadLoginSources(c.env),
    signupSettingsShown(c.env),
  ]);
  // After sign-in the browser follows redirects to the app; CSP form-action must allow that origin.
  if (flow?.targetOrigin) c.set('formActionOrigins', [flow.targetOrigin]);
  const branding = resolveBranding(globalBranding, app?.branding);
  return c.html(
    <LoginPage {...props} branding={branding} nonce={c.get('cspNonce')} csrf={csrfToken(c)} appName={app?.name} forConsole={startedByConsole(flow)} sources={sources} signupOpen={signup.enabled} directory={loginDirectoryOf(c)} />,
    status as 200,
  );
}

/** The 400 page of an expired or unknown flow: a sealed but expired flow still says where to start again. */
async function expiredFlow(c: AppContext, value: string | undefined, email?: string) {
  const opened = await openFlow(c.env, value);
  return loginPage(c, null, { email, error: EXPIRED_FLOW, errorLink: startAgain(opened?.flow) }, 400);
}

loginRoutes.get('/login', async (c) => {
  const flowValue = c.req.query('flow');
  const flow = await readFlow(c.env, flowValue);
  // An app whose primary source is a directory: this form checks passwords there (src/federation/ldap/).
  await readLoginDirectory(c, c.req.query('source'));
  if (!flow) {
    const session = await readSession(c);
    if (session) return c.redirect('/my-apps', 303);
    if (flowValue) return expiredFlow(c, flowValue);
  }
  // An OIDC login_hint pre-fills the email (src/oidc/login-redirect.ts).
  return loginPage(c, flow, { flow: flow ? flowValue : undefined, email: c.req.query('login_hint')?.slice(0, 254) });
});

loginRoutes.post('/login', limitBody(16 * 1024), async (c) => {
  const form = await readForm(c);
  const email = typeof form.email === 'string' ? form.email.trim().slice(0, 254) : '';
  const password = typeof form.password === 'string' ? form.password : '';
  const flowValue = flowField(form);
  const flow = await readFlow(c.env, flowValue);
  await readLoginDirectory(c, form.source);
  try {
    await checkCsrf(c, form[CSRF_FIELD]);
  } catch (error) {
    if (!(error instanceof RequestError)) throw error;
    // Nothing was checked: show the form again with a fresh token, and a way back to the start.
    return loginPage(c, flow, { flow: flow ? flowValue : undefined, email, error: EXPIRED_FORM, errorLink: startAgain(flow) }, error.status);
  }
  if (flowValue && !flow) return expiredFlow(c, flowValue, email);
  if (!email || !password) return loginPage(c, flow, { flow: flowValue, email, error: INVALID_CREDENTIALS }, 401);

  const { lockout: policy } = settingsFrom(c.env);
  const db = database(c.env.DB);
  // The account's factors are read with the sign-in's first round trip: whether a second is due.
  const outcome = await checkSignIn(db, { email, password, ip: throttleAddress(c) }, policy, directoryPasswordCheck(c), () => [factorsByEmail(db, email)] as const);
  const detail = { client_id: flow?.clientId, ...directoryAuditDetail(c) };
  if (outcome.kind === 'locked') {
    // A locked client address is refused without a row per attempt (the lock itself was audited
    // once, when it was set): an address spraying emails cannot grow the audit log.
    if (outcome.by !== 'ip') audit(c, { type: 'login.locked', actor: 'anonymous', target: auditableEmail(email), detail });
    for (const target of outcome.locked) audit(c, { type: 'login.lockout', actor: 'system', target, detail });
    c.header('Retry-After', String(outcome.retryAfterSeconds));
    const error = outcome.by === 'busy' ? BUSY : tooManyFailures(outcome.retryAfterSeconds);
    return loginPage(c, flow, { flow: flowValue, email, error }, 429);
  }
  if (outcome.kind === 'refused') {
    audit(c, { type: 'login.failure', actor: 'anonymous', target: auditableEmail(email), detail });
    for (const target of outcome.locked) audit(c, { type: 'login.lockout', actor: 'system', target, detail });
    return loginPage(c, flow, { flow: flowValue, email, error: INVALID_CREDENTIALS }, 401);
  }
  if (outcome.kind === 'disabled') {
    audit(c, { type: 'login.failure', actor: 'anonymous', target: outcome.user.email, detail: { ...detail, reason: 'disabled' } });
    return loginPage(c, flow, { flow: flowValue, email, error: ACCOUNT_DISABLED }, 403);
  }

  if (outcome.kind === 'directory') {
    const problem = await directoryProblem(c, outcome, detail);
    return loginPage(c, flow, { flow: flowValue, email, error: problem.error }, problem.status);
  }

  const { user, credential, source, settle, read } = outcome;
  // A second factor may be due (src/mfa/sign-in.ts): then the browser goes to its page instead.
  const started = await startPasswordSession(c, user, credential, flow, flowValue, source, { settle, ...(read ? { factors: factorsOf(read[0]) } : {}) });
  if (started instanceof Response) return started;
  const { session, required } = started;
  if (!session) {
    // The account was disabled, deleted, given a new password or signed out everywhere while this sign-in was checked.
    audit(c, { type: 'login.failure', actor: 'anonymous', target: user.email, detail: { ...detail, reason: 'account changed' } });
    return loginPage(c, flow, { flow: flowValue, email, error: INVALID_CREDENTIALS }, 401);
  }
  audit(c, { type: 'login.success', actor: user.id, target: user.email, detail: source ? { ...detail, source } : detail });
  if (required) return c.redirect(enrolUrl(flowValue), 303);
  // The flow is not consumed here: it carries no authority (see src/sessions/flows.ts). What it
  // returns to re-checks this new session.
  if (!flow) return c.redirect('/login', 303);
  if (flow.targetOrigin) c.set('formActionOrigins', [flow.targetOrigin]);
  return c.redirect(flow.returnTo, 303);
});

// The second factor at sign-in (/login/mfa), after a password (the sealed pending cookie) or as a
// step-up of a live session; and passwordless sign-in with a passkey (/login/passkey).
import { Hono } from 'hono';
import { loadServedApp } from '../apps/served';
import { audit } from '../audit/audit';
import { brandingFor } from '../branding/page';
import { settingsFrom } from '../env';
import { dbOf, throttleAddress, type AppContext, type AppEnv } from '../http/context';
import { checkCsrf, CSRF_FIELD, csrfToken } from '../http/csrf';
import { limitBody, readForm } from '../http/forms';
import { beginAttempt, recordFailure, successStatements, throttleKeys } from '../login/throttle';
import { anonymousFailure, anonymousRetryAfter, tooManyFailures } from '../login/anonymous';
import { type Flow, flowField, readFlow } from '../sessions/flows';
import { readSession, type Session } from '../sessions/sessions';
import { getUser } from '../users/store';
import { toUser } from '../users/user';
import type { UserRow } from '../db/schema';
import type { BatchItem } from 'drizzle-orm/batch';
import { hasMfa, isSecondFactor, withSecondFactor } from './assurance';
import { hasSecondFactor, userFactors, userWithFactorQuery } from './factors';
import { PasskeySignInPage, SecondFactorPage } from './pages';
import { clearPending, pendingCredential, pendingCredentialOf, readPending, type PendingSignIn } from './pending';
import { consumeRecoveryCode } from './recovery';
import { enrolUrl, finishSignIn, settleNow, stepUpCredential } from './sign-in';
import { normaliseCode } from './totp';
import { confirmedTotpQuery, consumeTotpStep, matchTotp } from './totp-store';
import { authenticationOptions, finishAuthentication } from './webauthn';
import { keyring } from '../lib/secret-box';

export const mfaRoutes = new Hono<AppEnv>();

const WRONG_CODE = 'That code is not correct, or was used already. Try the next code from your app.';
const LOCKED = (s: number) => `Too many wrong codes. Try again in ${Math.max(1, Math.ceil(s / 60))} minute${s > 60 ? 's' : ''}.`;
const SAME_FACTOR = 'This kind of factor was already used to sign in. Confirm with another one: your authenticator app, a recovery code, or a passkey of another kind.';
const CHANGED = 'Your account changed while you were signing in. Sign in again.';

type Signer = { kind: 'pending'; pending: PendingSignIn } | { kind: 'step-up'; session: Session };

/** Who is giving a second factor: the half-done sign-in (its sealed cookie), else the live session stepping up. */
async function signer(c: AppContext): Promise<Signer | null> {
  const pending = await readPending(c);
  if (pending) return { kind: 'pending', pending };
  const session = await readSession(c);
  return session ? { kind: 'step-up', session } : null;
}
const signerId = (s: Signer) => (s.kind === 'pending' ? s.pending.userId : s.session.userId);
const signerAmr = (s: Signer) => (s.kind === 'pending' ? s.pending.amr : s.session.amr);
const signerSource = (s: Signer) => (s.kind === 'pending' ? s.pending.source : s.session.source);

const loginAgain = (c: AppContext, flowValue?: string) => c.redirect(flowValue ? `/login?flow=${encodeURIComponent(flowValue)}` : '/login', 303);
const returnTo = (flow: Flow | null) => flow?.returnTo ?? '/my-apps';

async function renderSecondFactor(c: AppContext, s: Signer, flowValue: string | undefined, flow: Flow | null, error?: string, status = 200) {
  const db = dbOf(c);
  const userId = signerId(s);
  const [factors, user, app] = await Promise.all([userFactors(db, userId), getUser(db, userId), flow?.clientId ? loadServedApp(c.env, flow.clientId) : null]);
  if (!user) return loginAgain(c, flowValue);
  // A step-up for a user with nothing to step up with: enrol one first (a required policy).
  // Recovery codes only back a factor up: alone they are something the password holder made.
  if (!hasSecondFactor(factors)) return c.redirect(enrolUrl(flowValue), 303);
  if (flow?.targetOrigin) c.set('formActionOrigins', [flow.targetOrigin]);
  const passkeyOptions = factors.passkeys > 0 ? await authenticationOptions(c, db, userId) : undefined;
  return c.html(
    <SecondFactorPage
      branding={await brandingFor(c.env, app ?? undefined)}
      nonce={c.get('cspNonce')}
      csrf={csrfToken(c)}
      flow={flow ? flowValue : undefined}
      email={user.email}
      appName={app?.name}
      error={error}
      passkeyOptions={passkeyOptions}
      hasTotp={factors.totp}
    />,
    status as 200,
  );
}

mfaRoutes.get('/login/mfa', async (c) => {
  const flowValue = c.req.query('flow');
  const flow = await readFlow(c.env, flowValue);
  const s = await signer(c);
  if (!s) return loginAgain(c, flow ? flowValue : undefined);
  return renderSecondFactor(c, s, flowValue, flow);
});

/**
 * Starts the session once the second factor `method` (amr value) was given. `soFar`: the user's
 * row and whether they have a factor, if the request read them already (null: no such user), and
 * the throttle's statements to settle in the session's batch.
 */
async function complete(
  c: AppContext,
  s: Signer,
  flowValue: string | undefined,
  flow: Flow | null,
  amrMethod: string,
  method: string,
  soFar: { found?: { user: UserRow; hasFactor: unknown } | null; settle?: readonly BatchItem<'sqlite'>[] } = {},
) {
  // A session that has a second factor already is confirming it again (a security change needs a
  // recent one): its amr stays, the sign-in time moves. Otherwise a step-up after a passkey sign-in:
  // the same kind of factor again proves nothing new.
  const reconfirm = s.kind === 'step-up' && hasMfa(s.session.amr);
  if (!reconfirm && !isSecondFactor(signerAmr(s), amrMethod)) {
    await settleNow(c, soFar.settle);
    return renderSecondFactor(c, s, flowValue, flow, SAME_FACTOR, 401);
  }
  const db = dbOf(c);
  const found = soFar.found;
  const row = found === undefined ? undefined : (found?.user ?? null);
  const credential =
    row !== undefined
      ? s.kind === 'pending' ? await pendingCredentialOf(row ?? undefined, s.pending) : row && { sessionVersion: row.sessionVersion }
      : s.kind === 'pending' ? await pendingCredential(db, s.pending) : await stepUpCredential(c, s.session);
  if (!credential) {
    await settleNow(c, soFar.settle);
    clearPending(c);
    return loginAgain(c, flow ? flowValue : undefined);
  }
  const session = await finishSignIn(
    c,
    {
      userId: signerId(s),
      amr: reconfirm ? signerAmr(s) : withSecondFactor(signerAmr(s), amrMethod),
      ...(signerSource(s) ? { source: signerSource(s) } : {}),
      credential,
      method,
    },
    { ...(found !== undefined ? { found: found && { user: toUser(found.user), hasFactor: Boolean(found.hasFactor) } } : {}), settle: soFar.settle },
  );
  if (!session) return renderSecondFactor(c, s, flowValue, flow, CHANGED, 401);
  if (flow?.targetOrigin) c.set('formActionOrigins', [flow.targetOrigin]);
  return c.redirect(returnTo(flow), 303);
}

mfaRoutes.post('/login/mfa', limitBody(8 * 1024), async (c) => {
  const form = await readForm(c);
  await checkCsrf(c, form[CSRF_FIELD]);
  const flowValue = flowField(form);
  const flow = await readFlow(c.env, flowValue);
  const s = await signer(c);
  if (!s) return loginAgain(c, flow ? flowValue : undefined);
  const userId = signerId(s);
  const input = typeof form.code === 'string' ? form.code.slice(0, 64) : '';
  const db = dbOf(c);
  const policy = settingsFrom(c.env).lockout;
  // One round trip reserves the check and reads the authenticator and the user; a second consumes
  // the code's time step; a third starts the session and settles the reservation.
  const attempt = await beginAttempt(db, '', throttleAddress(c), policy, throttleKeys.mfa(userId), () => [confirmedTotpQuery(db, userId), userWithFactorQuery(db, userId)] as const);
  if (!attempt.allowed) {
    c.header('Retry-After', String(attempt.retryAfterSeconds));
    return renderSecondFactor(c, s, flowValue, flow, LOCKED(attempt.retryAfterSeconds), 429);
  }
  const [[totpRow], [userRow]] = attempt.read;
  // The form's own check (renderSecondFactor), for a POST made without it: no factor, no step-up.
  if (userRow && !userRow.hasFactor) return c.redirect(enrolUrl(flowValue), 303);
  const totp = normaliseCode(input);
  let method: string | null = null;
  if (totp) {
    const step = await matchTotp(keyring(c.env), totpRow, totp);
    if (step !== null && (await consumeTotpStep(db, userId, step))) method = 'totp';
  } else if (await consumeRecoveryCode(db, userId, input)) method = 'recovery-code';
  if (!method) {
    await recordFailure(db, attempt, policy);
    audit(c, { type: 'mfa.failure', actor: userId, target: userId, detail: { client_id: flow?.clientId } });
    return renderSecondFactor(c, s, flowValue, flow, WRONG_CODE, 401);
  }
  return complete(c, s, flowValue, flow, 'otp', method, { found: userRow ?? null, settle: successStatements(db, attempt, policy) });
});

mfaRoutes.post('/login/mfa/passkey', limitBody(64 * 1024), async (c) => {
  const form = await readForm(c);
  await checkCsrf(c, form[CSRF_FIELD]);
  const flowValue = flowField(form);
  const flow = await readFlow(c.env, flowValue);
  const s = await signer(c);
  if (!s) return loginAgain(c, flow ? flowValue : undefined);
  const result = await finishAuthentication(c, dbOf(c), typeof form.response === 'string' ? form.response : '', signerId(s));
  if (!result.ok) return renderSecondFactor(c, s, flowValue, flow, result.reason, 401);
  return complete(c, s, flowValue, flow, result.amr[0]!, 'passkey');
});

// Passwordless: any discoverable passkey registered here names its user.
mfaRoutes.get('/login/passkey', async (c) => {
  const flowValue = c.req.query('flow');
  const flow = await readFlow(c.env, flowValue);
  return passkeyPage(c, flow ? flowValue : undefined, flow);
});

async function passkeyPage(c: AppContext, flowValue: string | undefined, flow: Flow | null, error?: string, status = 200) {
  const app = flow?.clientId ? await loadServedApp(c.env, flow.clientId) : null;
  if (flow?.targetOrigin) c.set('formActionOrigins', [flow.targetOrigin]);
  const options = await authenticationOptions(c, dbOf(c));
  return c.html(
    <PasskeySignInPage branding={await brandingFor(c.env, app ?? undefined)} nonce={c.get('cspNonce')} csrf={csrfToken(c)} flow={flowValue} options={options} error={error} appName={app?.name} />,
    status as 200,
  );
}

mfaRoutes.post('/login/passkey', limitBody(64 * 1024), async (c) => {
  const form = await readForm(c);
  await checkCsrf(c, form[CSRF_FIELD]);
  const flowValue = flowField(form);
  const flow = await readFlow(c.env, flowValue);
  // An address over its limit of failed anonymous sign-ins is refused before the assertion is checked.
  // Only requests another site cannot send (this form's CSRF token, a browser's own federation
  // attempt) count toward that limit (src/login/anonymous.ts), so only someone on that network can lock it.
  const retryAfter = await anonymousRetryAfter(c);
  if (retryAfter !== null) {
    c.header('Retry-After', String(retryAfter));
    return passkeyPage(c, flowValue, flow, tooManyFailures(retryAfter), 429);
  }
  const db = dbOf(c);
  const result = await finishAuthentication(c, db, typeof form.response === 'string' ? form.response : '');
  if (!result.ok) {
    // Anyone can post a failing assertion: counted per client address, not a row each.
    await anonymousFailure(c, { type: 'login.failure', actor: 'anonymous', target: '', detail: { client_id: flow?.clientId, method: 'passkey' } });
    return passkeyPage(c, flowValue, flow, result.reason, 401);
  }
  const user = await getUser(db, result.userId);
  if (!user || user.disabled) return passkeyPage(c, flowValue, flow, 'That passkey was not accepted. Try again, or use another way to sign in.', 401);
  // What this session proved (a passkey with user verification is two factors, without it one):
  // the app it returns to decides whether that is enough (src/mfa/assurance.ts).
  const session = await finishSignIn(c, { userId: user.id, amr: result.amr, credential: { sessionVersion: user.sessionVersion }, method: 'passkey' });
  if (!session) return passkeyPage(c, flowValue, flow, CHANGED, 401);
  if (flow?.targetOrigin) c.set('formActionOrigins', [flow.targetOrigin]);
  return c.redirect(returnTo(flow), 303);
});

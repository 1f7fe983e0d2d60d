// GET /account: the signed-in user's own security settings: an authenticator app (TOTP), passkeys,
// recovery codes, their sessions and their password. Every POST is CSRF-checked and answers 303.
// During a sign-in whose policy requires a second factor, the login sends the user here with the
// pending flow (?flow=): confirming an authenticator app completes the session's second factor
// and continues to the app; a new passkey is then used once on the second-factor page.
import { Hono } from 'hono';
import { renderSVG } from 'uqr';
import { audit } from '../audit/audit';
import { brandingFor } from '../branding/page';
import { settingsFrom } from '../env';
import { dbOf, throttleAddress, type AppContext, type AppEnv } from '../http/context';
import { checkCsrf, CSRF_FIELD, csrfToken } from '../http/csrf';
import { limitBody, readForm, type FormBody } from '../http/forms';
import { beginAttempt, recordFailure, recordSuccess, throttleKeys } from '../login/throttle';
import { hasMfa, withSecondFactor } from '../mfa/assurance';
import { recoveryCodeCounts, generateRecoveryCodes } from '../mfa/recovery';
import { factorsChanged, hasSecondFactor, sessionFacts, userFactors } from '../mfa/factors';
import { enrolUrl, finishSignIn, secondFactorUrl, stepUpCredential } from '../mfa/sign-in';
import { requireRecentProof } from '../mfa/step-up';
import { normaliseCode, otpauthUri } from '../mfa/totp';
import { confirmTotp, pendingTotpSecret, removeTotp, totpStatus } from '../mfa/totp-store';
import { finishRegistration, listPasskeys, registrationOptions, removePasskey } from '../mfa/webauthn';
import { flowField, readFlow } from '../sessions/flows';
import { startSessionAndNotifyApps } from '../logout/backchannel';
import { signOutEverywhere } from '../onboarding/recovery';
import { endUserSession, listUserSessions, readSession, type Session } from '../sessions/sessions';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../users/input';
import { authenticate, getUser, updateUser } from '../users/store';
import { profileClaims } from '../users/user';
import { AccountPage, RecoveryCodesPage } from './security-page';
import { offerCodesAfterEnrolment, RECOVERY_CODES_PATH, showCodesNext, takeCodesToShow } from './recovery-codes';
import { keyring } from '../lib/secret-box';

export const accountSecurityRoutes = new Hono<AppEnv>();

async function requireSession(c: AppContext): Promise<Session | Response> {
  const session = await readSession(c);
  if (session) return session;
  return c.redirect('/login', 303);
}

async function render(c: AppContext, session: Session, opts: { flowValue?: string; notice?: string; error?: string; status?: number } = {}) {
  const db = dbOf(c);
  const key = keyring(c.env);
  const flow = opts.flowValue ? await readFlow(c.env, opts.flowValue) : null;
  const [user, totp, passkeys, codes, sessions] = await Promise.all([
    getUser(db, session.userId),
    totpStatus(db, session.userId),
    listPasskeys(db, session.userId),
    recoveryCodeCounts(db, session.userId),
    listUserSessions(c.env, session.userId),
  ]);
  if (!user) return c.redirect('/login', 303);
  // Authenticator apps list the entry under the product's name (the branding), not the host.
  const branding = await brandingFor(c.env);
  const totpConfirmed = totp?.confirmed ?? false;
  let enrolment;
  if (!totpConfirmed) {
    const secret = (await pendingTotpSecret(db, key, user.id))!;
    const uri = otpauthUri({ issuer: branding.productName, account: user.email, secret });
    enrolment = { secret, uri, qrSvg: renderSVG(uri, { border: 2 }) };
  }
  if (flow?.targetOrigin) c.set('formActionOrigins', [flow.targetOrigin]);
  return c.html(
    <AccountPage
      branding={branding}
      nonce={c.get('cspNonce')}
      csrf={csrfToken(c)}
      email={user.email}
      flow={flow ? opts.flowValue : undefined}
      mustEnrol={flow !== null && !hasMfa(session.amr)}
      notice={opts.notice}
      error={opts.error}
      totpConfirmed={totpConfirmed}
      enrolment={enrolment}
      passkeys={passkeys}
      registrationOptions={await registrationOptions(c, db, user, branding.productName)}
      recoveryCodesLeft={codes.unused}
      sessions={sessions.map((s) => ({ ...s, current: s.idHash === session.idHash }))}
      hasPassword={user.hasPassword}
    />,
    (opts.status ?? 200) as 200,
  );
}

const NOTICES: Record<string, string> = {
  totp: 'The authenticator app is on. You will be asked for a code when you sign in.',
  'totp-removed': 'The authenticator app was removed.',
  passkey: 'The passkey was added.',
  'passkey-removed': 'The passkey was removed.',
  'session-ended': 'The session was ended.',
  password: 'Your password was changed, and your other sessions were ended.',
};

accountSecurityRoutes.get('/account', async (c) => {
  const session = await requireSession(c);
  if (session instanceof Response) return session;
  return render(c, session, { flowValue: c.req.query('flow'), notice: NOTICES[c.req.query('done') ?? ''] });
});

/**
 * Reads the CSRF-checked form and the session of a POST under /account. Every change here is a
 * security change: it needs a recent second factor (or, for a user without one, a recent
 * sign-in); a session without it is sent to the step-up page and comes back to this page.
 * `hasFactor`, read for that decision, is handed on (a security change), so no route reads it again.
 */
async function post(c: AppContext, securityChange = true): Promise<{ session: Session; form: FormBody; flowValue?: string; hasFactor?: boolean } | Response> {
  const form = await readForm(c);
  await checkCsrf(c, form[CSRF_FIELD]);
  const session = await requireSession(c);
  if (session instanceof Response) return session;
  const flowValue = flowField(form);
  if (!securityChange) return { session, form, flowValue };
  const hasFactor = hasSecondFactor(await userFactors(dbOf(c), session.userId));
  const stepUp = await requireRecentProof(c, session, hasFactor, flowValue ? enrolUrl(flowValue) : '/account');
  if (stepUp) return stepUp;
  return { session, form, flowValue, hasFactor };
}
const text = (form: FormBody, name: string, max = 1024) => (typeof form[name] === 'string' ? (form[name] as string).slice(0, max) : '');

accountSecurityRoutes.post('/account/totp', limitBody(8 * 1024), async (c) => {
  const p = await post(c);
  if (p instanceof Response) return p;
  const { session, form, flowValue } = p;
  const db = dbOf(c);
  const policy = settingsFrom(c.env).lockout;
  const attempt = await beginAttempt(db, '', throttleAddress(c), policy, throttleKeys.mfa(session.userId));
  if (!attempt.allowed) return render(c, session, { flowValue, error: 'Too many wrong codes. Try again in a few minutes.', status: 429 });
  const code = normaliseCode(text(form, 'code', 32));
  if (!code || !(await confirmTotp(db, keyring(c.env), session.userId, code))) {
    await recordFailure(db, attempt, policy);
    return render(c, session, { flowValue, error: 'That code is not correct. Check the time on your phone and type the code the app shows now.', status: 400 });
  }
  await recordSuccess(db, attempt, policy);
  audit(c, { type: 'mfa.enrol', actor: session.userId, target: session.userId, detail: { factor: 'totp' } });
  await factorsChanged(c, session.userId, { factor: 'totp', action: 'added' });
  // The code just typed proves the new factor: this session now has it too.
  if (!hasMfa(session.amr)) {
    const credential = await stepUpCredential(c, session);
    if (credential) {
      await finishSignIn(c, { userId: session.userId, amr: withSecondFactor(session.amr, 'otp'), ...(session.source ? { source: session.source } : {}), credential, method: 'totp-enrolment' });
    }
  }
  const flow = flowValue ? await readFlow(c.env, flowValue) : null;
  // A first factor comes with recovery codes, shown before going on (to the sign-in, or back here).
  if (await offerCodesAfterEnrolment(c, session.userId, 'totp', flow ? flow.returnTo : '/account?done=totp')) return c.redirect(RECOVERY_CODES_PATH, 303);
  if (flow) {
    if (flow.targetOrigin) c.set('formActionOrigins', [flow.targetOrigin]);
    return c.redirect(flow.returnTo, 303);
  }
  return c.redirect('/account?done=totp', 303);
});

accountSecurityRoutes.post('/account/totp/remove', limitBody(8 * 1024), async (c) => {
  const p = await post(c);
  if (p instanceof Response) return p;
  if (await removeTotp(dbOf(c), p.session.userId)) {
    audit(c, { type: 'mfa.remove', actor: p.session.userId, target: p.session.userId, detail: { factor: 'totp' } });
    await factorsChanged(c, p.session.userId, { factor: 'totp', action: 'removed' });
  }
  return c.redirect('/account?done=totp-removed', 303);
});

accountSecurityRoutes.post('/account/passkeys', limitBody(64 * 1024), async (c) => {
  const p = await post(c);
  if (p instanceof Response) return p;
  const { session, form, flowValue } = p;
  const result = await finishRegistration(c, dbOf(c), session.userId, text(p.form, 'response', 64 * 1024), text(form, 'name', 60));
  if (!result.ok) return render(c, session, { flowValue, error: result.reason, status: 400 });
  audit(c, { type: 'mfa.enrol', actor: session.userId, target: session.userId, detail: { factor: 'passkey' } });
  await factorsChanged(c, session.userId, { factor: 'passkey', action: 'added' });
  // During a sign-in that requires a second factor: use the new passkey once to complete it.
  const next = flowValue && !hasMfa(session.amr) ? secondFactorUrl(flowValue) : '/account?done=passkey';
  if (await offerCodesAfterEnrolment(c, session.userId, 'passkey', next)) return c.redirect(RECOVERY_CODES_PATH, 303);
  return c.redirect(next, 303);
});

accountSecurityRoutes.post('/account/passkeys/remove', limitBody(8 * 1024), async (c) => {
  const p = await post(c);
  if (p instanceof Response) return p;
  if (await removePasskey(dbOf(c), p.session.userId, text(p.form, 'id'))) {
    audit(c, { type: 'mfa.remove', actor: p.session.userId, target: p.session.userId, detail: { factor: 'passkey' } });
    await factorsChanged(c, p.session.userId, { factor: 'passkey', action: 'removed' });
  }
  return c.redirect('/account?done=passkey-removed', 303);
});

// New recovery codes travel to the page that shows them once in a sealed cookie that lives a minute.
accountSecurityRoutes.post('/account/recovery-codes', limitBody(8 * 1024), async (c) => {
  const p = await post(c);
  if (p instanceof Response) return p;
  // Codes back up an authenticator app or a passkey; without one they would stand in for it.
  if (!p.hasFactor) {
    return render(c, p.session, { error: 'Add an authenticator app or a passkey first: recovery codes back one up.', status: 409 });
  }
  const codes = await generateRecoveryCodes(dbOf(c), p.session.userId);
  audit(c, { type: 'mfa.enrol', actor: p.session.userId, target: p.session.userId, detail: { factor: 'recovery-codes' } });
  await factorsChanged(c, p.session.userId, { factor: 'recovery-codes', action: 'added' });
  await showCodesNext(c, p.session.userId, { codes, next: '/account' });
  return c.redirect(RECOVERY_CODES_PATH, 303);
});

accountSecurityRoutes.get(RECOVERY_CODES_PATH, async (c) => {
  const session = await requireSession(c);
  if (session instanceof Response) return session;
  const shown = await takeCodesToShow(c, session.userId);
  if (!shown) return c.redirect('/account', 303);
  return c.html(<RecoveryCodesPage branding={await brandingFor(c.env)} nonce={c.get('cspNonce')} {...shown} />);
});

accountSecurityRoutes.post('/account/sessions/end', limitBody(8 * 1024), async (c) => {
  // Ending a session takes nothing away from the account's protection: no recent proof needed.
  const p = await post(c, false);
  if (p instanceof Response) return p;
  const idHash = text(p.form, 'session', 64);
  if (await endUserSession(c.env, p.session.userId, idHash)) {
    audit(c, { type: 'account.session.end', actor: p.session.userId, target: p.session.userId });
  }
  if (idHash === p.session.idHash) return c.redirect('/login', 303);
  return c.redirect('/account?done=session-ended', 303);
});

accountSecurityRoutes.post('/account/password', limitBody(16 * 1024), async (c) => {
  const p = await post(c);
  if (p instanceof Response) return p;
  const { session, form } = p;
  const current = text(form, 'current_password');
  const next = typeof form.new_password === 'string' ? form.new_password : '';
  if (next.length < PASSWORD_MIN_LENGTH || next.length > PASSWORD_MAX_LENGTH || next.trim() === '') {
    return render(c, session, { error: `The new password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`, status: 400 });
  }
  const db = dbOf(c);
  const policy = settingsFrom(c.env).lockout;
  const attempt = await beginAttempt(db, session.profile.email, throttleAddress(c), policy);
  if (!attempt.allowed) return render(c, session, { error: 'Too many wrong passwords. Try again later.', status: 429 });
  const match = await authenticate(db, session.profile.email, current);
  if (!match || match.user.id !== session.userId) {
    await recordFailure(db, attempt, policy);
    return render(c, session, { error: 'The current password is not correct.', status: 400 });
  }
  await recordSuccess(db, attempt, policy);
  const user = await updateUser(db, session.userId, { password: next });
  // Every session ends (other browsers, and this one's old id; apps are told), pending email
  // changes are revoked; this browser gets a fresh session.
  await signOutEverywhere(c, user.id);
  const { amr, source, hasFactor } = session;
  await startSessionAndNotifyApps(c, { userId: user.id, amr, ...(source ? { source } : {}), ...sessionFacts(user, hasFactor ?? true), profile: profileClaims(user), roles: user.roles }, settingsFrom(c.env).sessionTtlSeconds);
  audit(c, { type: 'account.password', actor: user.id, target: user.email });
  return c.redirect('/account?done=password', 303);
});

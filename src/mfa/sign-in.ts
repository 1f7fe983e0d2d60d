// Where multi-factor sign-in joins the login: after the first factor, decide whether a second is
// due (policy, enrolled factors), and finish a sign-in once it is given.
import { eq } from 'drizzle-orm';
import { loadServedApp } from '../apps/served';
import { audit } from '../audit/audit';
import type { Database } from '../db/client';
import { users } from '../db/schema';
import { settingsFrom } from '../env';
import { dbOf, type AppContext } from '../http/context';
import type { Flow } from '../sessions/flows';
import { startSessionAndNotifyApps } from '../logout/backchannel';
import type { Session, SessionCredential } from '../sessions/sessions';
import { getUser } from '../users/store';
import { profileClaims, type User } from '../users/user';
import { hasSecondFactor, userFactors } from './factors';
import { clearPending, startPending } from './pending';
import { effectivePolicy, nextStep, type MfaPolicy } from './policy';
import { loadMfaSettings } from './settings';

export const SECOND_FACTOR_PATH = '/login/mfa';
export const ENROL_PATH = '/account';

const withFlow = (path: string, flowValue: string | undefined) => (flowValue ? `${path}?flow=${encodeURIComponent(flowValue)}` : path);
export const secondFactorUrl = (flowValue?: string) => withFlow(SECOND_FACTOR_PATH, flowValue);
export const enrolUrl = (flowValue?: string) => withFlow(ENROL_PATH, flowValue);

/** The policy for a sign-in: the global one, and the app's when the flow names one. */
export async function policyFor(c: AppContext, db: Database, flow: Flow | null): Promise<MfaPolicy> {
  const [settings, app] = await Promise.all([loadMfaSettings(db), flow?.clientId ? loadServedApp(c.env, flow.clientId) : null]);
  const policy = effectivePolicy(settings.policy, app?.mfa);
  // Signing in to the console, when admins require MFA for it.
  return settings.requireForConsole && flow?.returnTo.startsWith('/admin') && policy !== 'required' ? 'required' : policy;
}

/**
 * After a right password. A Response: the browser goes to the second-factor page (a sealed
 * cookie holds the half-done sign-in). Otherwise the caller starts the session; `required` says
 * the user has no factor but must enrol one before any token (the session is marked so).
 */
export async function afterPassword(
  c: AppContext,
  user: User,
  credential: SessionCredential,
  flow: Flow | null,
  flowValue: string | undefined,
  source?: string,
): Promise<Response | { required: boolean }> {
  const db = dbOf(c);
  const policy = await policyFor(c, db, flow);
  const step = nextStep(policy, hasSecondFactor(await userFactors(db, user.id)), ['pwd']);
  if (step === 'second-factor') {
    await startPending(c, { userId: user.id, sessionVersion: credential.sessionVersion, amr: ['pwd'], required: policy === 'required', ...(source ? { source } : {}) }, credential);
    return c.redirect(secondFactorUrl(flowValue), 303);
  }
  return { required: step === 'enrol' };
}

/**
 * Starts a session after a right password on every path that takes one (the login form, a
 * directory, accepting an invitation, confirming a sign-up), so the MFA policy holds on each: a
 * Response when the second factor is due (see afterPassword); else the session (null if the user
 * changed meanwhile) and whether a factor must be enrolled before any token (`enrolUrl`).
 */
export async function startPasswordSession(
  c: AppContext,
  user: User,
  credential: SessionCredential,
  flow: Flow | null,
  flowValue: string | undefined,
  source?: string,
): Promise<Response | { session: Session | null; required: boolean }> {
  const mfa = await afterPassword(c, user, credential, flow, flowValue, source);
  if (mfa instanceof Response) return mfa;
  const session = await startSessionAndNotifyApps(
    c,
    { userId: user.id, amr: ['pwd'], ...(source ? { source } : {}), ...(mfa.required ? { mfaRequired: true } : {}), profile: profileClaims(user), roles: user.roles },
    settingsFrom(c.env).sessionTtlSeconds,
    credential,
  );
  return { session, required: mfa.required };
}

/**
 * Starts the session after the second factor (or a passwordless passkey), or upgrades a live one
 * (step-up, enrolment). Null if the user was changed meanwhile (disabled, new password, signed
 * out everywhere): the caller shows the sign-in page again.
 */
export async function finishSignIn(
  c: AppContext,
  input: { userId: string; amr: string[]; source?: string; credential: SessionCredential; method: string; mfaRequired?: boolean },
): Promise<Session | null> {
  const user = await getUser(dbOf(c), input.userId);
  if (!user || user.disabled) return null;
  const session = await startSessionAndNotifyApps(
    c,
    { userId: user.id, amr: input.amr, ...(input.mfaRequired ? { mfaRequired: true } : {}), ...(input.source ? { source: input.source } : {}), profile: profileClaims(user), roles: user.roles },
    settingsFrom(c.env).sessionTtlSeconds,
    input.credential,
  );
  clearPending(c);
  audit(c, {
    type: session ? 'login.success' : 'login.failure',
    actor: session ? user.id : 'anonymous',
    target: user.email,
    detail: { amr: input.amr, method: input.method, ...(input.source ? { source: input.source } : {}), ...(session ? {} : { reason: 'account changed' }) },
  });
  return session;
}

/** The session's factors with the user's current session version, for a step-up of a live session. */
export async function stepUpCredential(c: AppContext, session: Session): Promise<SessionCredential | null> {
  const [row] = await dbOf(c).select({ v: users.sessionVersion }).from(users).where(eq(users.id, session.userId)).limit(1);
  return row ? { sessionVersion: row.v } : null;
}

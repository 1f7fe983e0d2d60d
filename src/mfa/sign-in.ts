// Where multi-factor sign-in joins the login: after the first factor, decide whether a second is
// due (src/mfa/assurance.ts: the flow's app, the global settings, the user), and finish a sign-in once it is given.
import { eq, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { loadServedApp } from '../apps/served';
import { audit } from '../audit/audit';
import type { Database } from '../db/client';
import { users } from '../db/schema';
import { settingsFrom } from '../env';
import { dbOf, type AppContext } from '../http/context';
import type { Flow } from '../sessions/flows';
import { startSessionAndNotifyApps } from '../logout/backchannel';
import type { Session, SessionCredential } from '../sessions/sessions';
import { nowSeconds } from '../lib/time';
import { normaliseEmail } from '../users/input';
import { profileClaims, type User } from '../users/user';
import { decideAssurance, type AssuranceTarget } from './assurance';
import { factorsQuery, hasSecondFactor, sessionFacts, userFactors, userWithFactor, type Factors } from './factors';
import { clearPending, startPending } from './pending';
import { loadMfaSettings } from './settings';

export const SECOND_FACTOR_PATH = '/login/mfa';
export const ENROL_PATH = '/account';

const withFlow = (path: string, flowValue: string | undefined) => (flowValue ? `${path}?flow=${encodeURIComponent(flowValue)}` : path);
export const secondFactorUrl = (flowValue?: string) => withFlow(SECOND_FACTOR_PATH, flowValue);
export const enrolUrl = (flowValue?: string) => withFlow(ENROL_PATH, flowValue);

/**
 * What a sign-in is for, as the assurance decision sees it: the console, an app (the flow's), or
 * no app (the global policy, as for My apps and the Account page).
 */
export async function flowTarget(c: AppContext, flow: Flow | null): Promise<AssuranceTarget> {
  if (flow?.returnTo.startsWith('/admin')) return { kind: 'console' };
  const app = flow?.clientId ? await loadServedApp(c.env, flow.clientId) : null;
  return { kind: 'app', policy: app?.mfa };
}

/** Runs a sign-in's settle statements on their own, when no session batch will carry them. */
export async function settleNow(c: AppContext, settle: readonly BatchItem<'sqlite'>[] | undefined): Promise<void> {
  const [first, ...rest] = settle ?? [];
  if (first) await dbOf(c).batch([first, ...rest]);
}

/** The factors of the user an email names, as a query the sign-in batches with its first round trip. */
export function factorsByEmail(db: Database, email: string) {
  return factorsQuery(db, sql`(select ${users.id} from ${users} where ${users.email} = ${normaliseEmail(email)})`);
}

/**
 * What a sign-in has done already: the user's factors if it read them (factorsByEmail), and
 * `settle`, its own statements (the throttle's) to run in the session's batch.
 */
export interface SignInSoFar {
  factors?: Factors;
  settle?: readonly BatchItem<'sqlite'>[];
}

/**
 * After a right password. A Response: the browser goes to the second-factor page (a sealed
 * cookie holds the half-done sign-in). Otherwise the caller starts the session; `required` says
 * the user has no factor but must enrol one before any token.
 */
export async function afterPassword(
  c: AppContext,
  user: User,
  credential: SessionCredential,
  flow: Flow | null,
  flowValue: string | undefined,
  source?: string,
  soFar: SignInSoFar = {},
): Promise<Response | { required: boolean; hasFactor: boolean }> {
  const [settings, target, factors] = await Promise.all([loadMfaSettings(c.env), flowTarget(c, flow), soFar.factors ?? userFactors(dbOf(c), user.id)]);
  const hasFactor = hasSecondFactor(factors);
  const decision = decideAssurance(settings, target, { amr: ['pwd'], authTime: nowSeconds(), hasFactor, userRequired: user.mfaRequired });
  if (decision === 'step-up') {
    await settleNow(c, soFar.settle);
    await startPending(c, { userId: user.id, sessionVersion: credential.sessionVersion, amr: ['pwd'], ...(source ? { source } : {}) }, credential);
    return c.redirect(secondFactorUrl(flowValue), 303);
  }
  return { required: decision === 'enrol', hasFactor };
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
  soFar: SignInSoFar = {},
): Promise<Response | { session: Session | null; required: boolean }> {
  const mfa = await afterPassword(c, user, credential, flow, flowValue, source, soFar);
  if (mfa instanceof Response) return mfa;
  const session = await startSessionAndNotifyApps(
    c,
    { userId: user.id, amr: ['pwd'], ...(source ? { source } : {}), ...sessionFacts(user, mfa.hasFactor), profile: profileClaims(user), roles: user.roles },
    settingsFrom(c.env).sessionTtlSeconds,
    credential,
    soFar.settle,
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
  input: { userId: string; amr: string[]; source?: string; credential: SessionCredential; method: string },
  soFar: { found?: { user: User; hasFactor: boolean } | null; settle?: readonly BatchItem<'sqlite'>[] } = {},
): Promise<Session | null> {
  const found = soFar.found !== undefined ? soFar.found : await userWithFactor(dbOf(c), input.userId);
  if (!found || found.user.disabled) {
    await settleNow(c, soFar.settle);
    return null;
  }
  const { user, hasFactor } = found;
  const session = await startSessionAndNotifyApps(
    c,
    { userId: user.id, amr: input.amr, ...sessionFacts(user, hasFactor), ...(input.source ? { source: input.source } : {}), profile: profileClaims(user), roles: user.roles },
    settingsFrom(c.env).sessionTtlSeconds,
    input.credential,
    soFar.settle,
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

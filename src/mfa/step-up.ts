// Step-up on the SSO URL, the OIDC authorization endpoint and the console: a live session that has
// not proven enough for what it asks (src/mfa/assurance.ts) is sent to the second-factor page (not
// the password page), or to enrol one, and comes back to the same request afterwards. And the
// recent proof that changing one's own security settings needs.
import type { ServedApp } from '../apps/cache';
import type { ResponseMode } from '../db/schema';
import type { Bindings } from '../env';
import type { AppContext } from '../http/context';
import { nowSeconds } from '../lib/time';
import { createFlow } from '../sessions/flows';
import { readSession, type Session } from '../sessions/sessions';
import { deliver } from '../sso/deliver';
import { decideAssurance, type Assurance, type AssuranceProof, type AssuranceTarget } from './assurance';
import { loadMfaSettings } from './settings';
import { enrolUrl, secondFactorUrl } from './sign-in';

/** What a live session has proven, as the decision reads it (a session from before hasFactor was kept counts as having one). */
export const sessionProof = (session: Session): AssuranceProof => ({
  amr: session.amr,
  authTime: session.authTime,
  hasFactor: session.hasFactor ?? true,
  userRequired: session.mfaRequired === true,
});

/** The decision for a live session: pure, on the session record and the isolate-cached settings (no D1 query once cached). */
export async function sessionAssurance(env: Bindings, target: AssuranceTarget, session: Session): Promise<Assurance> {
  return decideAssurance(await loadMfaSettings(env), target, sessionProof(session));
}

/**
 * Whether this request's session is one the console would let in now: an admin whose session has
 * proven what the console asks (src/admin/console/auth.tsx). Pages outside the console that show
 * admins more (a refused request's registered URLs) ask this, so a password-only admin session
 * that the console would step up sees no more than anyone else.
 */
export async function isConsoleAdmin(c: AppContext): Promise<boolean> {
  const session = await readSession(c);
  if (!session?.roles.includes('admin')) return false;
  return (await sessionAssurance(c.env, { kind: 'console' }, session)) === 'ok';
}

/** Whether a token for `app` may be issued to this session, or what must come first. */
export const appAssurance = (env: Bindings, app: Pick<ServedApp, 'mfa'>, session: Session) => sessionAssurance(env, { kind: 'app', policy: app.mfa }, session);

/** Where the browser goes for a step-up or an enrolment, coming back to `returnTo` (a path on this origin). */
export async function assurancePage(c: AppContext, decision: Exclude<Assurance, 'ok'>, flow: { returnTo: string; clientId?: string; targetOrigin?: string }): Promise<Response> {
  const value = await createFlow(c.env, flow);
  if (decision === 'reauth') return c.redirect(`/login?flow=${value}`, 303);
  return c.redirect(decision === 'enrol' ? enrolUrl(value) : secondFactorUrl(value), 303);
}

/** The redirect to the second-factor (or enrolment) page, or with prompt=none the app's `interaction_required` error. */
export async function stepUp(
  c: AppContext,
  decision: Exclude<Assurance, 'ok'>,
  prompt: string | undefined,
  target: string,
  state: string | undefined,
  responseMode: ResponseMode,
  clientId: string,
  extra: Record<string, string> = {},
): Promise<Response> {
  if (prompt === 'none') return deliver(c, responseMode, target, { error: 'interaction_required', state, ...extra });
  const here = new URL(c.req.url);
  return assurancePage(c, decision, { returnTo: here.pathname + here.search, clientId, targetOrigin: new URL(target).origin });
}

/**
 * Changing one's own security settings (factors, password, email) needs a recent second factor,
 * or for a user without one a recent sign-in: null when the session has it, else the redirect to
 * the step-up (or sign-in) page, which returns to `returnTo`. `hasFactor` is read from D1 by the
 * caller (these are not hot paths, and a factor added in another browser a moment ago counts).
 */
export async function requireRecentProof(c: AppContext, session: Session, hasFactor: boolean, returnTo = '/account'): Promise<Response | null> {
  const decision = await sessionAssurance(c.env, { kind: 'security-change', now: nowSeconds() }, { ...session, hasFactor });
  return decision === 'ok' ? null : assurancePage(c, decision, { returnTo });
}

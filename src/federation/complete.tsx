// The end of every upstream sign-in (the OIDC/OAuth2 callback in routes.tsx and the SAML ACS): map the profile, find or create the user by the source's rules, start the session (MFA after the
// upstream sign-in when required), audit, and resume the pending sign-in; or show the failure.
import { anonymousFailure, strayRequest } from '../login/anonymous';
import { audit } from '../audit/audit';
import { database } from '../db/client';
import { settingsFrom } from '../env';
import type { AppContext } from '../http/context';
import { sessionFacts, userWithFactor } from '../mfa/factors';
import { answerUpstreamFailure } from '../oidc/authorize';
import { claimInvitation } from '../onboarding/invite-sources';
import { readFlow } from '../sessions/flows';
import { startSessionAndNotifyApps } from '../logout/backchannel';
import { getUser } from '../users/store';
import { profileClaims, type User } from '../users/user';
import { resolveAccount } from './accounts';
import { refusalMessage } from './linking';
import { mapProfile } from './mapping';
import { FederationErrorPage } from './pages';
import type { TestResultPage } from './test-result';
import type { IdentitySource, UpstreamError, UpstreamProfile } from './types';

export const EXPIRED_FLOW = 'This sign-in request has expired. Go back to the application and start again.';
export const NO_ATTEMPT =
  'This sign-in response does not belong to a sign-in started in this browser, or it was already used or has expired. Start the sign-in again.';

/** What a finished upstream step carries: the pending sign-in to resume, or the admin testing. */
export interface UpstreamContext {
  flow?: string;
  test_by?: string;
}

export function errorPage(c: AppContext, status: 400 | 403 | 404 | 429 | 502, title: string, message: string, retry?: string) {
  return c.html(<FederationErrorPage title={title} message={message} retry={retry} />, status);
}

export function unknownSource(c: AppContext) {
  return errorPage(c, 404, 'Sign-in option not available', 'This sign-in option does not exist or is turned off. Go back and choose another way to sign in.');
}

/** Where "Try again" leads: the start of the same sign-in, when there is one to resume. */
export const retryUrl = (slug: string, flow?: string) => `/federation/${encodeURIComponent(slug)}/start${flow ? `?flow=${encodeURIComponent(flow)}` : ''}`;

/**
 * Test connection: the result is for the admin who started it, in this browser. The sealed
 * attempt proves that; the session cookie may be missing (a cross-site POST carries no
 * SameSite=Lax cookie), so the admin is read again from D1.
 */
export async function testerOf(c: AppContext, attempt: UpstreamContext): Promise<User | Response | null> {
  if (!attempt.test_by) return null;
  const admin = await getUser(database(c.env.DB), attempt.test_by);
  if (!admin || admin.disabled || !admin.roles.includes('admin')) {
    return errorPage(c, 403, 'Admins only', 'Test connection results are shown only to the admin who started the test.');
  }
  return admin;
}

/**
 * A refused upstream step: audited, then the app is told (OIDC) or the user sees why. `attempt`:
 * this browser's attempt, or null for an unsolicited (IdP-initiated) SAML response.
 */
export async function upstreamFailed(c: AppContext, source: IdentitySource, attempt: UpstreamContext | null, failure: UpstreamError, tester: User | null, testResultPage: TestResultPage): Promise<Response> {
  if (tester) {
    // An admin's test, not a sign-in: audited as the admin's source.test.
    audit(c, { type: 'source.test', actor: tester.id, target: source.slug, detail: { ok: false, reason: failure.code, upstream: failure.detail } });
    return testResultPage(c, tester, source, { error: failure });
  }
  // Anyone can replay a callback with a sealed attempt and a bad code: counted per address, not a
  // row each. Only with an attempt may the count lock (another site cannot send one); an
  // unsolicited response, which any page can post, is counted apart and never locks.
  const detail = { source: source.slug, reason: failure.code, upstream: failure.detail };
  if (attempt) await anonymousFailure(c, { type: 'login.failure', actor: 'anonymous', target: '', detail });
  else await strayRequest(c, { type: 'login.failure', actor: 'anonymous', target: '', detail });
  // An OIDC app's sign-in: the app is told (error, state, iss at its redirect URI).
  const pending = attempt?.flow ? await readFlow(c.env, attempt.flow) : null;
  const answered = pending ? await answerUpstreamFailure(c, pending.returnTo, failure) : null;
  if (answered) return answered;
  const title = failure.code === 'access_denied' ? 'Sign-in cancelled' : `Signing in with ${source.name} did not work`;
  return errorPage(c, failure.code === 'unreachable' ? 502 : 400, title, failure.message, retryUrl(source.slug, attempt?.flow));
}

export async function completeUpstreamSignIn(
  c: AppContext,
  source: IdentitySource,
  attempt: UpstreamContext,
  upstream: UpstreamProfile,
  tester: User | null,
  testResultPage: TestResultPage,
): Promise<Response> {
  const slug = source.slug;
  const mapped = mapProfile(upstream, source.claim_map, source.group_map);

  if (tester) {
    audit(c, { type: 'source.test', actor: tester.id, target: slug, detail: { ok: true } });
    return testResultPage(c, tester, source, { upstream, mapped });
  }

  // An invitation accepted with this source links the upstream account first (src/onboarding/).
  await claimInvitation(c, slug, upstream.subject, mapped.email);
  const outcome = await resolveAccount(c.env, source, upstream, mapped);
  if (!outcome.ok) {
    audit(c, { type: 'login.failure', actor: 'anonymous', target: mapped.email, detail: { source: slug, reason: outcome.reason, subject: upstream.subject } });
    return errorPage(c, 403, 'You cannot sign in this way', refusalMessage(outcome.reason, source.name));
  }
  const { user } = outcome;
  // The session records whether the user has a second factor; each app's policy decides at each request (src/mfa/).
  const hasFactor = (await userWithFactor(database(c.env.DB), user.id))?.hasFactor ?? false;
  const session = await startSessionAndNotifyApps(
    c,
    { userId: user.id, amr: upstream.amr ?? ['fed'], ...sessionFacts(user, hasFactor), source: slug, profile: profileClaims(user), roles: user.roles },
    settingsFrom(c.env).sessionTtlSeconds,
  );
  if (!session) {
    // The account was disabled or deleted while the upstream sign-in was checked.
    audit(c, { type: 'login.failure', actor: 'anonymous', target: user.email, detail: { source: slug, reason: 'account changed' } });
    return errorPage(c, 403, 'You cannot sign in this way', refusalMessage('disabled', source.name));
  }
  const flow = attempt.flow ? await readFlow(c.env, attempt.flow) : null;
  audit(c, { type: 'login.success', actor: user.id, target: user.email, detail: { source: slug, client_id: flow?.clientId, account: outcome.decision } });
  if (!flow || !attempt.flow) return c.redirect('/login', 303);
  if (flow.targetOrigin) c.set('formActionOrigins', [flow.targetOrigin]);
  return c.redirect(flow.returnTo, 303);
}

// The upstream flow: /federation/<slug>/start sends the browser to the provider with a fresh
// state, nonce and PKCE verifier (sealed in this browser's cookie); /federation/<slug>/callback
// (GET, or POST for form_post) checks them, redeems the code, finds or creates the user by the
// source's rules, starts the session and resumes the pending sign-in.
import { sessionFacts, userWithFactor } from '../mfa/factors';
import { Hono } from 'hono';
import { audit } from '../audit/audit';
import { database } from '../db/client';
import { settingsFrom } from '../env';
import { issuerOf, type AppContext, type AppEnv } from '../http/context';
import { limitBody, readForm } from '../http/forms';
import { readFlow } from '../sessions/flows';
import { startSessionAndNotifyApps } from '../logout/backchannel';
import { getUser } from '../users/store';
import { profileClaims, type User } from '../users/user';
import { answerUpstreamFailure } from '../oidc/authorize';
import { claimInvitation } from '../onboarding/invite-sources';
import { resolveAccount } from './accounts';
import { newAttempt, takeAttempt, writeAttempt } from './attempt';
import { clientFor, forceLoginParams } from './client';
import { refusalMessage } from './linking';
import { mapProfile } from './mapping';
import { errorPage, EXPIRED_FLOW, NO_ATTEMPT, retryUrl, unknownSource } from './complete';
import { presetFor } from './registry';
import { startSaml } from './saml/start';
import { loadServedSource } from './store';
import type { TestResultPage } from './test-result';
import { UpstreamError } from './types';
import { SLUG_PATTERN } from '../lib/slug';
import { keyring } from '../lib/secret-box';

/** The routes; `testResultPage` shows an admin's Test connection outcome (the console's page). */
export function federationRoutes(testResultPage: TestResultPage): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/federation/:slug/start', start);
  routes.get('/federation/:slug/callback', (c) => callback(c, new URL(c.req.url).searchParams, testResultPage));
  routes.post('/federation/:slug/callback', limitBody(64 * 1024), async (c) => {
    const form = await readForm(c);
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(form)) if (typeof value === 'string') params.set(key, value);
    return callback(c, params, testResultPage);
  });
  return routes;
}

async function start(c: AppContext) {
  const slug = c.req.param('slug')!;
  const found = SLUG_PATTERN.test(slug) ? await loadServedSource(c.env, slug) : null;
  if (!found) return unknownSource(c);
  const { source, secrets } = found;

  const flowId = c.req.query('flow') || undefined;
  if (flowId && !(await readFlow(c.env, flowId))) return errorPage(c, 400, 'Sign-in expired', EXPIRED_FLOW);
  const prompt = c.req.query('prompt');
  // A directory has no redirect flow: edge-sso's own form, labelled with the source, checks the password.
  if (presetFor(source.type).protocol.kind === 'ldap') return c.redirect(`/login?${new URLSearchParams({ source: slug, ...(flowId ? { flow: flowId } : {}) })}`, 303);
  // SAML: an AuthnRequest by HTTP-Redirect (or an HTTP-POST form); the IdP answers at the ACS (./saml/routes.tsx).
  if (presetFor(source.type).protocol.kind === 'saml') return startSaml(c, found, flowId, prompt === 'login');

  const attempt = newAttempt(slug, { flow: flowId });
  try {
    const url = await clientFor(source, secrets, issuerOf(c)).authorizationUrl(attempt, forceLoginParams(source, prompt === 'login'));
    await writeAttempt(c, keyring(c.env), attempt, presetFor(source.type).response_mode === 'form_post');
    return c.redirect(url.href, 303);
  } catch (error) {
    const upstream = error instanceof UpstreamError ? error : new UpstreamError('failed', `Signing in with ${source.name} failed.`);
    audit(c, { type: 'login.failure', actor: 'anonymous', target: '', detail: { source: slug, reason: upstream.code, upstream: upstream.detail } });
    return errorPage(c, 502, `${source.name} is not available`, `${source.name} could not be reached to start the sign-in. Try again in a moment.`, retryUrl(slug, flowId));
  }
}

async function callback(c: AppContext, params: URLSearchParams, testResultPage: TestResultPage) {
  const slug = c.req.param('slug')!;
  // The source first: an unknown or malformed slug is a 404 with nothing written (the slug is the
  // visitor's text, and an audit row per request would let anyone grow the table).
  const found = SLUG_PATTERN.test(slug) ? await loadServedSource(c.env, slug) : null;
  if (!found) return unknownSource(c);
  const attempt = await takeAttempt(c, keyring(c.env));
  // No cookie, a cookie for another source, or another state: not a sign-in this browser started.
  if (!attempt || attempt.slug !== slug || params.get('state') !== attempt.state) {
    audit(c, { type: 'login.failure', actor: 'anonymous', target: '', detail: { source: slug, reason: attempt ? 'state_mismatch' : 'no_attempt' } });
    return errorPage(c, 400, 'Sign-in could not be completed', NO_ATTEMPT);
  }
  const { source, secrets } = found;
  const retry = retryUrl(slug, attempt.flow);
  let tester: User | null = null;
  if (attempt.test_by) {
    // Test connection: the result is for the admin who started it, in this browser. The sealed
    // attempt proves that; the session cookie may be missing (a form_post callback is a cross-site
    // POST, which carries no SameSite=Lax cookie), so the admin is read again from D1.
    tester = await getUser(database(c.env.DB), attempt.test_by);
    if (!tester || tester.disabled || !tester.roles.includes('admin')) {
      return errorPage(c, 403, 'Admins only', 'Test connection results are shown only to the admin who started the test.');
    }
  }

  let upstream;
  try {
    upstream = await clientFor(source, secrets, issuerOf(c)).finish(params, attempt);
  } catch (error) {
    const failure = error instanceof UpstreamError ? error : new UpstreamError('failed', `Signing in with ${source.name} failed.`, String(error));
    if (tester) {
      // An admin's test, not a sign-in: audited as the admin's source.test, like a test that fails to start.
      audit(c, { type: 'source.test', actor: tester.id, target: slug, detail: { ok: false, reason: failure.code, upstream: failure.detail } });
      return testResultPage(c, tester, source, { error: failure });
    }
    audit(c, { type: 'login.failure', actor: 'anonymous', target: '', detail: { source: slug, reason: failure.code, upstream: failure.detail } });
    // An OIDC app's sign-in: the app is told (error, state, iss at its redirect URI).
    const pending = attempt.flow ? await readFlow(c.env, attempt.flow) : null;
    const answered = pending ? await answerUpstreamFailure(c, pending.returnTo, failure) : null;
    if (answered) return answered;
    const title = failure.code === 'access_denied' ? 'Sign-in cancelled' : `Signing in with ${source.name} did not work`;
    return errorPage(c, failure.code === 'unreachable' ? 502 : 400, title, failure.message, retry);
  }
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
  // The session records whether the user has a second factor: unless the upstream reports `mfa`,
  // each app's assurance decision asks for it on the way back (src/mfa/assurance.ts).
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

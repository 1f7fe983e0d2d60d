// The upstream flow: /federation/<slug>/start sends the browser to the provider with a fresh
// state, nonce and PKCE verifier (sealed in this browser's cookie); /federation/<slug>/callback
// (GET, or POST for form_post) checks them, redeems the code, finds or creates the user by the
// source's rules, starts the session and resumes the pending sign-in.
import { Hono } from 'hono';
import { issuerOf, type AppContext, type AppEnv } from '../http/context';
import { limitBody, readForm } from '../http/forms';
import { readFlow } from '../sessions/flows';
import { newAttempt, takeAttempt, writeAttempt } from './attempt';
import { clientFor, forceLoginParams } from './client';
import { completeUpstreamSignIn, errorPage, EXPIRED_FLOW, NO_ATTEMPT, retryUrl, testerOf, unknownSource, upstreamFailed } from './complete';
import { strayRequest } from '../login/anonymous';
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
    // Any page can make a browser open this URL: counted, never locked (src/login/anonymous.ts).
    await strayRequest(c, { type: 'login.failure', actor: 'anonymous', target: '', detail: { source: slug, reason: upstream.code, upstream: upstream.detail } });
    return errorPage(c, 502, `${source.name} is not available`, `${source.name} could not be reached to start the sign-in. Try again in a moment.`, retryUrl(slug, flowId));
  }
}

async function callback(c: AppContext, params: URLSearchParams, testResultPage: TestResultPage) {
  const slug = c.req.param('slug')!;
  // The source first: an unknown or malformed slug is a 404 with nothing written (the slug is the
  // visitor's text, and an audit row per request would let anyone grow the table).
  const found = SLUG_PATTERN.test(slug) ? await loadServedSource(c.env, slug) : null;
  if (!found) return unknownSource(c);
  // No per-address lock here: a callback carrying this browser's attempt is a sign-in this server
  // started, and one carrying none costs nothing, so a page that makes its visitors' browsers load
  // this URL (an <img>) can neither lock their network out nor cancel a sign-in in progress (the
  // cookie is left alone unless it matches). Callbacks nobody started are counted, never locked.
  const attempt = await takeAttempt(c, keyring(c.env), slug, params.get('state'));
  if (typeof attempt === 'string') {
    await strayRequest(c, { type: 'login.failure', actor: 'anonymous', target: '', detail: { source: slug, reason: attempt } });
    return errorPage(c, 400, 'Sign-in could not be completed', NO_ATTEMPT);
  }
  const { source, secrets } = found;
  const tester = await testerOf(c, attempt);
  if (tester instanceof Response) return tester;

  let upstream;
  try {
    upstream = await clientFor(source, secrets, issuerOf(c)).finish(params, attempt);
  } catch (error) {
    const failure = error instanceof UpstreamError ? error : new UpstreamError('failed', `Signing in with ${source.name} failed.`, String(error));
    return upstreamFailed(c, source, attempt, failure, tester, testResultPage);
  }
  return completeUpstreamSignIn(c, source, attempt, upstream, tester, testResultPage);
}

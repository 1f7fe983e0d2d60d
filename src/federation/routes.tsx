// The upstream flow: /federation/<slug>/start sends the browser to the provider with a fresh
// state, nonce and PKCE verifier (sealed in this browser's cookie); /federation/<slug>/callback
// (GET, or POST for form_post) checks them and redeems the code; complete.tsx finds or creates the
// user by the source's rules, starts the session and resumes the pending sign-in. SAML sources
// start here too; their IdP answers at ./saml/routes.tsx.
import { Hono } from 'hono';
import { audit } from '../audit/audit';
import { issuerOf, type AppContext, type AppEnv } from '../http/context';
import { limitBody, readForm } from '../http/forms';
import { readFlow } from '../sessions/flows';
import { newAttempt, takeAttempt, writeAttempt } from './attempt';
import { clientFor, forceLoginParams } from './client';
import { adoptTestAdmin, completeUpstreamSignIn, errorPage, EXPIRED_FLOW, NO_ATTEMPT, retryUrl, unknownSource, upstreamFailed } from './complete';
import { presetFor } from './registry';
import { startSaml } from './saml/start';
import { loadServedSource } from './store';
import { UpstreamError } from './types';
import { SLUG_PATTERN } from './input';

export const federationRoutes = new Hono<AppEnv>();

federationRoutes.get('/federation/:slug/start', async (c) => {
  const slug = c.req.param('slug');
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
    await writeAttempt(c, c.env.KEY_ENCRYPTION_KEY, attempt, presetFor(source.type).response_mode === 'form_post');
    return c.redirect(url.href, 303);
  } catch (error) {
    const upstream = error instanceof UpstreamError ? error : new UpstreamError('failed', `Signing in with ${source.name} failed.`);
    audit(c, { type: 'login.failure', actor: 'anonymous', target: '', detail: { source: slug, reason: upstream.code, upstream: upstream.detail } });
    return errorPage(c, 502, `${source.name} is not available`, `${source.name} could not be reached to start the sign-in. Try again in a moment.`, retryUrl(slug, flowId));
  }
});

federationRoutes.get('/federation/:slug/callback', (c) => callback(c, new URL(c.req.url).searchParams));
federationRoutes.post('/federation/:slug/callback', limitBody(64 * 1024), async (c) => {
  const form = await readForm(c);
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) if (typeof value === 'string') params.set(key, value);
  return callback(c, params);
});

async function callback(c: AppContext, params: URLSearchParams) {
  const slug = c.req.param('slug')!;
  const attempt = await takeAttempt(c, c.env.KEY_ENCRYPTION_KEY);
  // No cookie, a cookie for another source, or another state: not a sign-in this browser started.
  if (!attempt || attempt.slug !== slug || params.get('state') !== attempt.state) {
    audit(c, { type: 'login.failure', actor: 'anonymous', target: '', detail: { source: slug, reason: attempt ? 'state_mismatch' : 'no_attempt' } });
    return errorPage(c, 400, 'Sign-in could not be completed', NO_ATTEMPT);
  }
  const found = await loadServedSource(c.env, slug);
  if (!found) return unknownSource(c);
  const { source, secrets } = found;
  const denied = await adoptTestAdmin(c, attempt);
  if (denied) return denied;

  let upstream;
  try {
    upstream = await clientFor(source, secrets, issuerOf(c)).finish(params, attempt);
  } catch (error) {
    const failure = error instanceof UpstreamError ? error : new UpstreamError('failed', `Signing in with ${source.name} failed.`, String(error));
    return upstreamFailed(c, source, attempt, failure);
  }
  return completeUpstreamSignIn(c, source, attempt, upstream);
}

// The SP endpoints of a SAML source:
//   GET  /federation/<slug>/saml/metadata  the SP metadata (entity ID = this URL) the IdP imports
//   POST /federation/<slug>/saml/acs       the Assertion Consumer Service (HTTP-POST binding)
// The ACS ties the response to this browser's attempt (RelayState = its state, InResponseTo = its
// request ID), validates it (./response.ts), records the assertion ID once (./replay.ts) and hands
// the profile to the sign-in every source shares (../complete.tsx).
import { Hono } from 'hono';
import { database } from '../../db/client';
import { issuerOf, type AppContext, type AppEnv } from '../../http/context';
import { limitBody, readForm } from '../../http/forms';
import { nowSeconds } from '../../lib/time';
import { takeAttempt, type Attempt } from '../attempt';
import { completeUpstreamSignIn, errorPage, NO_ATTEMPT, testerOf, unknownSource, upstreamFailed } from '../complete';
import { strayRequest } from '../../login/anonymous';
import type { TestResultPage } from '../test-result';
import { SLUG_PATTERN } from '../../lib/slug';
import { presetFor } from '../registry';
import { loadServedSource, type SourceWithSecrets } from '../store';
import { UpstreamError } from '../types';
import { idpOf, signsRequests } from './config';
import { spMetadataXml } from './metadata';
import { profileFromAssertion } from './profile';
import { consumeAssertionId } from './replay';
import { SamlRefusal, validateResponse } from './response';
import { acsUrl, SP_CERT_CONFIG, SP_KEY_SECRET, SP_SIGNING_CERT_CONFIG, spEntityId, spKeyBytes } from './sp';
import { requestIdOf } from './start';
import { keyring } from '../../lib/secret-box';

/** The routes; `testResultPage` shows an admin's Test connection outcome (the console's page). */
export function samlRoutes(testResultPage: TestResultPage): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/federation/:slug/saml/metadata', metadata);
  routes.post('/federation/:slug/saml/acs', limitBody(MAX_BODY), (c) => acs(c, testResultPage));
  return routes;
}

/** Posted SAMLResponse size cap (base64 of a response with an encrypted assertion and groups). */
const MAX_BODY = 512 * 1024;

async function samlSource(c: AppContext): Promise<SourceWithSecrets | null> {
  const slug = c.req.param('slug') ?? '';
  const found = SLUG_PATTERN.test(slug) ? await loadServedSource(c.env, slug) : null;
  return found && presetFor(found.source.type).protocol.kind === 'saml' ? found : null;
}

async function metadata(c: AppContext) {
  const found = await samlSource(c);
  if (!found) return unknownSource(c);
  const issuer = issuerOf(c);
  const xml = spMetadataXml({
    entityId: spEntityId(issuer, found.source.slug),
    acsUrl: acsUrl(issuer, found.source.slug),
    encryptionCertificate: String(found.source.config[SP_CERT_CONFIG] ?? ''),
    ...(typeof found.source.config[SP_SIGNING_CERT_CONFIG] === 'string' ? { signingCertificate: found.source.config[SP_SIGNING_CERT_CONFIG] } : {}),
    requestsSigned: signsRequests(found.source.config),
  });
  return c.body(xml, 200, { 'content-type': 'application/samlmetadata+xml; charset=utf-8', 'cache-control': 'public, max-age=300' });
}

const INVALID = (name: string) => `The answer from ${name} could not be accepted. Start the sign-in again; if it keeps failing, tell your administrator.`;

async function acs(c: AppContext, testResultPage: TestResultPage) {
  const found = await samlSource(c);
  if (!found) return unknownSource(c);
  const { source, secrets } = found;
  const form = await readForm(c);
  const encoded = typeof form.SAMLResponse === 'string' ? form.SAMLResponse : '';
  const relayState = typeof form.RelayState === 'string' ? form.RelayState : '';

  // Solicited: this browser's sealed attempt, for this source, with the RelayState we sent.
  // Unsolicited (no attempt that matches): only when the source allows IdP-initiated sign-in.
  // No per-address lock: any page can make its visitors' browsers post here (a no-cors form), so a
  // lock would let it refuse their network's sign-ins; a solicited post is one this server started,
  // an unsolicited one is checked as any IdP-initiated response is. A cookie that does not match is
  // left alone (the post may be forged), so a sign-in in progress is never cancelled from elsewhere.
  const taken = await takeAttempt(c, keyring(c.env), source.slug, relayState);
  const attempt: Attempt | null = typeof taken === 'string' ? null : taken;
  if (!attempt && source.config.allow_idp_initiated !== true) {
    await strayRequest(c, { type: 'login.failure', actor: 'anonymous', target: '', detail: { source: source.slug, reason: taken === 'no_attempt' ? 'unsolicited' : 'state_mismatch' } });
    return errorPage(c, 400, 'Sign-in could not be completed', NO_ATTEMPT);
  }
  const context = attempt ?? {};
  const tester = await testerOf(c, context);
  if (tester instanceof Response) return tester;

  const idp = idpOf(source.config);
  const issuer = issuerOf(c);
  let xml = '';
  try {
    xml = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(atob(encoded.replace(/\s+/g, '')), (ch) => ch.charCodeAt(0)));
  } catch {
    xml = '';
  }
  try {
    if (!idp) throw new SamlRefusal('no IdP metadata');
    if (!xml) throw new SamlRefusal('SAMLResponse is not base64 UTF-8');
    const assertion = await validateResponse(xml, {
      idpEntityId: idp.entityId,
      certificates: idp.certificates,
      spEntityId: spEntityId(issuer, source.slug),
      acsUrl: acsUrl(issuer, source.slug),
      requestId: attempt ? requestIdOf(attempt) : undefined,
      allowSha1: source.config.allow_sha1 === true,
      decryptionKey: secrets[SP_KEY_SECRET] ? spKeyBytes(secrets[SP_KEY_SECRET]) : undefined,
      now: nowSeconds(),
    });
    // Accepted once: of two posts of one assertion (in parallel or later), only one signs in.
    if (!(await consumeAssertionId(database(c.env.DB), source.slug, assertion.assertionId, assertion.expiresAt))) {
      throw new SamlRefusal('assertion already used (replay)');
    }
    return completeUpstreamSignIn(c, source, context, profileFromAssertion(assertion, presetFor(source.type)), tester, testResultPage);
  } catch (error) {
    if (!(error instanceof SamlRefusal)) throw error;
    const denied = error.status && /AuthnFailed|RequestDenied|NoPassive|NoAvailableIDP/.test(error.status);
    const failure = denied
      ? new UpstreamError('access_denied', `${source.name} did not sign you in.`, error.reason)
      : new UpstreamError('invalid_response', INVALID(source.name), error.reason);
    return upstreamFailed(c, source, attempt, failure, tester, testResultPage);
  }
}

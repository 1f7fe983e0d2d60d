// Starting a SAML sign-in: a fresh attempt (RelayState = its state, the AuthnRequest ID from its
// nonce) sealed in this browser's cookie, then the AuthnRequest by HTTP-Redirect, or by an
// auto-submitted HTTP-POST form when the IdP offers only that; signed with the source's SP
// signing key when the IdP's metadata asks for it or the source is set to. The cookie is SameSite=None
// (still __Host-, Secure, HttpOnly, sealed, single use, ten minutes): the IdP's answer is a
// cross-site POST, which never carries a SameSite=Lax cookie.
import { strayRequest } from '../../login/anonymous';
import { issuerOf, type AppContext } from '../../http/context';
import { deliver } from '../../sso/deliver';
import { newAttempt, writeAttempt, type Attempt } from '../attempt';
import { errorPage, retryUrl } from '../complete';
import type { SourceWithSecrets } from '../store';
import { idpOf, signsRequests } from './config';
import { authnRequestXml, postBindingFields, redirectBindingUrl } from './request';
import { acsUrl, SP_SIGNING_CERT_CONFIG, SP_SIGNING_KEY_SECRET, spEntityId, spSigningKey } from './sp';
import { keyring } from '../../lib/secret-box';

/** The AuthnRequest ID of an attempt: an NCName derived from its secret nonce. */
export const requestIdOf = (attempt: Pick<Attempt, 'nonce'>) => `_${attempt.nonce}`;

export async function startSaml(c: AppContext, found: SourceWithSecrets, flowId: string | undefined, forceAuthn: boolean, testBy?: string): Promise<Response> {
  const { source } = found;
  const idp = idpOf(source.config);
  if (!idp) {
    // Any page can make a browser open /start: counted, never locked (src/login/anonymous.ts).
    await strayRequest(c, { type: 'login.failure', actor: 'anonymous', target: '', detail: { source: source.slug, reason: 'misconfigured', upstream: 'no IdP metadata' } });
    return errorPage(c, 502, `${source.name} is not available`, `${source.name} is not fully set up yet. Ask your administrator.`, retryUrl(source.slug, flowId));
  }
  const issuer = issuerOf(c);
  const attempt = newAttempt(source.slug, { flow: flowId, ...(testBy ? { test_by: testBy } : {}) });
  const destination = idp.ssoRedirect || idp.ssoPost;
  const xml = authnRequestXml({
    id: requestIdOf(attempt),
    destination,
    spEntityId: spEntityId(issuer, source.slug),
    acsUrl: acsUrl(issuer, source.slug),
    forceAuthn,
    now: new Date(),
  });
  const signingKey = signsRequests(source.config) ? await spSigningKey(found.secrets[SP_SIGNING_KEY_SECRET]) : null;
  if (signsRequests(source.config) && !signingKey) {
    // Only a source created before SP signing keys existed has none: it has to be added again.
    await strayRequest(c, { type: 'login.failure', actor: 'anonymous', target: '', detail: { source: source.slug, reason: 'misconfigured', upstream: 'no SP signing key' } });
    return errorPage(c, 502, `${source.name} is not available`, `${source.name} needs signed requests, and this source has no signing key. Ask your administrator to add it again.`, retryUrl(source.slug, flowId));
  }
  await writeAttempt(c, keyring(c.env), attempt, true);
  if (idp.ssoRedirect) return c.redirect(await redirectBindingUrl(idp.ssoRedirect, xml, attempt.state, signingKey), 303);
  const signing = signingKey ? { key: signingKey, certificate: String(source.config[SP_SIGNING_CERT_CONFIG] ?? '') } : null;
  return deliver(c, 'form_post', idp.ssoPost, await postBindingFields(xml, attempt.state, signing));
}

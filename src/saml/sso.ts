// The SAML SSO service: an AuthnRequest (or an IdP-initiated launch) becomes the same sign-in the
// JWT SSO URL and the OIDC authorization endpoint run (src/sso/gate.ts: session, access rule,
// step-up; src/oidc/login-redirect.ts: login page or primary source), and ends by posting a
// signed Response to the app's registered ACS.
import { accessDeniedPage } from '../access/denied';
import type { ServedApp } from '../apps/cache';
import { matchRedirect } from '../apps/redirects';
import { clientIdForEntity, SAML_PATHS, samlEndpoints, type SamlSettings } from '../apps/saml';
import { loadServedApp } from '../apps/served';
import { audit } from '../audit/audit';
import { database } from '../db/client';
import { settingsFrom, type Bindings } from '../env';
import { issuerOf, type AppContext } from '../http/context';
import { nowSeconds } from '../lib/time';
import { TtlCache } from '../lib/ttl-cache';
import { assurancePage } from '../mfa/step-up';
import { rememberAppSignIn } from '../logout/backchannel';
import { sendToLogin } from '../oidc/login-redirect';
import type { Session } from '../sessions/sessions';
import { deliver } from '../sso/deliver';
import { answeringSession, verdict } from '../sso/gate';
import { samlSigningKey } from '../tokens/certificates';
import { buildAssertion, buildResponse, newSamlId, STATUS } from './assertion';
import type { AuthnRequest } from './authn-request';
import { encodePost } from './bindings';
import { chooseNameIdFormat, nameIdValue } from './name-id';
import { invalidSamlRequest, unknownServiceProvider, unregisteredAcs } from './pages';
import { sealRequest, type SamlRequest } from './pending';
import { signResponse } from './signing';

export const MAX_RELAY_STATE_LENGTH = 2048;

export type SamlApp = ServedApp & { saml: SamlSettings };
const entityClients = new TtlCache<string, Promise<string | null>>();

/** The SAML app an SP entity ID names, through the isolate caches (no D1 query when warm). */
export async function loadSamlApp(env: Bindings, entityId: string): Promise<SamlApp | null> {
  const clientId = await TtlCache.load(entityClients, entityId, settingsFrom(env).configCacheSeconds, () => clientIdForEntity(database(env.DB), entityId));
  const app = clientId ? await loadServedApp(env, clientId) : null;
  // The entity ID is checked again on the record itself: a cached mapping may be older than a change.
  return app?.saml && app.saml.entityId === entityId ? (app as SamlApp) : null;
}

export async function loadSamlAppById(env: Bindings, clientId: string): Promise<SamlApp | null> {
  const app = await loadServedApp(env, clientId);
  return app?.saml ? (app as SamlApp) : null;
}

/** What the binding established about the request's signature (./routes.tsx checks it before calling). */
export type SignatureCheck = 'valid' | 'unsigned' | { invalid: string };

/**
 * Checks an AuthnRequest against the app its Issuer names: the registered ACS, the Destination,
 * the signature the SP's metadata requires. Returns the request to answer, or the error page.
 */
export async function acceptRequest(
  c: AppContext,
  request: AuthnRequest,
  relayState: string | undefined,
  checkSignature: (app: SamlApp, request: AuthnRequest) => Promise<SignatureCheck>,
): Promise<{ app: SamlApp; request: SamlRequest } | Response> {
  const app = await loadSamlApp(c.env, request.issuer);
  if (!app) return unknownServiceProvider(c);
  if (request.destination !== undefined && request.destination !== samlEndpoints(issuerOf(c)).sso_url) {
    return invalidSamlRequest(c, 'The AuthnRequest’s Destination is not this identity provider’s SSO URL.', app);
  }
  let acsUrl = app.redirectUrls[0];
  if (request.acsUrl !== undefined) {
    const registered = matchRedirect(app.redirectUrls, request.acsUrl);
    if (!registered) return unregisteredAcs(c, app, request.acsUrl);
    acsUrl = registered;
  } else if (request.acsIndex !== undefined) {
    // The index's URL must still be registered for the app (the redirect rules hold for it too).
    const indexed = app.saml.acsIndexes[String(request.acsIndex)];
    const registered = indexed !== undefined ? matchRedirect(app.redirectUrls, indexed) : null;
    if (!registered) return invalidSamlRequest(c, `The AuthnRequest asks for the assertion consumer service with index ${request.acsIndex}, which this application’s metadata does not register for HTTP-POST.`, app);
    acsUrl = registered;
  }
  if (!acsUrl) return invalidSamlRequest(c, 'This SAML app has no assertion consumer service URL.', app);
  if (relayState !== undefined && relayState.length > MAX_RELAY_STATE_LENGTH) return invalidSamlRequest(c, `RelayState must be at most ${MAX_RELAY_STATE_LENGTH} characters.`, app);

  const signature = await checkSignature(app, request);
  if (typeof signature === 'object') return invalidSamlRequest(c, signature.invalid, app);
  if (signature === 'unsigned' && app.saml.requestsSigned) {
    return invalidSamlRequest(c, 'This application’s metadata says its sign-in requests are signed, and this one is not.', app);
  }
  return {
    app,
    request: {
      clientId: app.clientId,
      id: request.id,
      acsUrl,
      ...(relayState !== undefined ? { relayState } : {}),
      ...(request.nameIdFormat ? { nameIdFormat: request.nameIdFormat } : {}),
      forceAuthn: request.forceAuthn,
      isPassive: request.isPassive,
    },
  };
}

/** Where a request resumes after the login page: sealed, without ForceAuthn (the sign-in just happened). */
async function resumePath(c: AppContext, request: SamlRequest): Promise<string> {
  return `${SAML_PATHS.sso}/resume?request=${await sealRequest(c.env, { ...request, forceAuthn: false })}`;
}

/** The path that continues a checked request as a GET (a top-level navigation carries the SameSite=Lax session cookie). */
export const continuePath = (c: AppContext, request: SamlRequest) =>
  sealRequest(c.env, request).then((sealed) => `${SAML_PATHS.sso}/resume?request=${sealed}`);

/** Posts a Response to the registered ACS: an auto-submitted form (its origin is let into the page's CSP form-action). */
function post(c: AppContext, request: SamlRequest, responseXml: string): Response | Promise<Response> {
  return deliver(c, 'form_post', request.acsUrl, { SAMLResponse: encodePost(responseXml), RelayState: request.relayState });
}

/** An error Response (no assertion) for a request the SP asked us to answer without a page (IsPassive). */
async function postStatus(c: AppContext, app: SamlApp, request: SamlRequest, subCode: string, message: string) {
  const issuer = samlEndpoints(issuerOf(c)).idp_entity_id;
  const id = newSamlId();
  const xml = buildResponse({ id, issuer, acsUrl: request.acsUrl, inResponseTo: request.id, now: nowSeconds(), status: { code: STATUS.responder, subCode, message } });
  const signed = await signResponse(xml, 'response', await samlSigningKey(c.env));
  audit(c, { type: 'saml.refused', actor: 'anonymous', target: app.clientId, detail: { status: subCode } });
  return post(c, request, signed);
}

/** Answers a checked request: sign in if needed, refuse or step up as the app's rules say, else post the assertion. */
export async function answer(c: AppContext, app: SamlApp, request: SamlRequest): Promise<Response> {
  const session = await answeringSession(c, { source: app.identitySource, fresh: request.forceAuthn });
  if (!session) {
    if (request.isPassive) return postStatus(c, app, request, STATUS.noPassive, 'The user is not signed in, and the request asked not to show a login page.');
    return sendToLogin(c, {
      returnTo: await resumePath(c, request),
      clientId: app.clientId,
      target: request.acsUrl,
      source: app.identitySource,
      forceLogin: request.forceAuthn,
    });
  }
  const decision = await verdict(c.env, app, session);
  // A refused user sees the 403 page; the SP gets nothing, not even an error Response.
  if (decision === 'denied') return accessDeniedPage(c, app, session.userId, 'saml');
  if (decision !== 'allowed') {
    if (request.isPassive) return postStatus(c, app, request, STATUS.noPassive, 'This application requires a second factor, and the request asked not to show a page.');
    return assurancePage(c, decision, { returnTo: await resumePath(c, request), clientId: app.clientId, targetOrigin: new URL(request.acsUrl).origin });
  }
  const xml = await signedAssertionResponse(c, app, request, session);
  await rememberAppSignIn(c, session, app.clientId);
  audit(c, { type: 'saml.assertion', actor: session.userId, target: app.clientId, detail: { acs: request.acsUrl, idp_initiated: request.id === undefined } });
  return post(c, request, xml);
}

async function signedAssertionResponse(c: AppContext, app: SamlApp, request: SamlRequest, session: Session): Promise<string> {
  const now = nowSeconds();
  const issuer = samlEndpoints(issuerOf(c)).idp_entity_id;
  const format = chooseNameIdFormat(request.nameIdFormat, app.saml.nameIdFormat);
  const ids = { response: newSamlId(), assertion: newSamlId() };
  const profile = session.profile;
  const assertion = buildAssertion({
    id: ids.assertion,
    issuer,
    audience: app.saml.entityId,
    acsUrl: request.acsUrl,
    inResponseTo: request.id,
    now,
    nameId: { format, value: await nameIdValue(format, app.saml, { userId: session.userId, email: profile.email }) },
    authnInstant: session.authTime,
    sessionIndex: newSamlId(),
    amr: session.amr,
    attributes: { email: profile.email, name: profile.name, given_name: profile.given_name, family_name: profile.family_name, groups: profile.groups ?? [] },
    attributeNames: app.saml.attributeNames,
  });
  const response = buildResponse({ id: ids.response, issuer, acsUrl: request.acsUrl, inResponseTo: request.id, now, status: { code: STATUS.success }, assertion });
  return signResponse(response, app.saml.sign, await samlSigningKey(c.env));
}

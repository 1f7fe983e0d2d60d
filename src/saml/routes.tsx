// The SAML identity provider's routes:
//   GET  /saml/metadata           IdP metadata (signing certificates, SSO service for both bindings)
//   GET  /saml/sso                an AuthnRequest with the HTTP-Redirect binding
//   POST /saml/sso                an AuthnRequest with the HTTP-POST binding
//   GET  /saml/sso/resume         a checked request continuing (after a cross-site POST, or the login page)
//   GET  /saml/launch/:clientId   IdP-initiated sign-in, from My apps
import { Hono } from 'hono';
import { SAML_PATHS, samlEndpoints } from '../apps/saml';
import { limitBody } from '../http/forms';
import type { AppContext, AppEnv } from '../http/context';
import { issuerOf } from '../http/context';
import { nowSeconds } from '../lib/time';
import { publishedCertificates } from '../tokens/certificates';
import { parseAuthnRequest, type AuthnRequest } from './authn-request';
import { BindingError, decodePost, decodeRedirect, MAX_MESSAGE_BYTES } from './bindings';
import { idpMetadata, METADATA_CACHE_SECONDS } from './idp-metadata';
import { invalidSamlRequest, unknownServiceProvider, unregisteredAcs } from './pages';
import { openRequest } from './pending';
import { verifyRedirectSignature } from './redirect-signature';
import { verifyPostSignature } from './signing';
import { acceptRequest, answer, continuePath, loadSamlAppById, type SignatureCheck } from './sso';
import { matchRedirect } from '../apps/redirects';

export const samlIdpRoutes = new Hono<AppEnv>();

samlIdpRoutes.get(SAML_PATHS.metadata, async (c) => {
  const endpoints = samlEndpoints(issuerOf(c));
  const xml = idpMetadata({ entityId: endpoints.idp_entity_id, ssoUrl: endpoints.sso_url, certificates: await publishedCertificates(c.env) });
  c.header('Cache-Control', `public, max-age=${METADATA_CACHE_SECONDS}`);
  c.header('Access-Control-Allow-Origin', '*');
  return c.body(xml, 200, { 'Content-Type': 'application/samlmetadata+xml; charset=utf-8' });
});

/** Decodes, parses and checks a request, then answers it (Redirect) or continues it as a GET (POST). */
async function receive(c: AppContext, decode: () => Promise<string> | string, relayState: string | undefined, checkSignature: Parameters<typeof acceptRequest>[3], continueAsGet: boolean) {
  let xml: string;
  try {
    xml = await decode();
  } catch (error) {
    if (error instanceof BindingError) return invalidSamlRequest(c, error.message);
    throw error;
  }
  const parsed = parseAuthnRequest(xml, nowSeconds());
  if (!parsed.ok) return invalidSamlRequest(c, parsed.reason);
  const accepted = await acceptRequest(c, parsed.request, relayState, checkSignature);
  if (accepted instanceof Response) return accepted;
  if (continueAsGet) return c.redirect(await continuePath(c, accepted.request), 303);
  return answer(c, accepted.app, accepted.request);
}

samlIdpRoutes.get(SAML_PATHS.sso, (c) => {
  const url = new URL(c.req.url);
  const params = url.searchParams;
  const request = params.getAll('SAMLRequest');
  const relay = params.getAll('RelayState');
  if (request.length !== 1 || relay.length > 1) return invalidSamlRequest(c, 'A SAML sign-in request carries exactly one SAMLRequest (and at most one RelayState).');
  const check = async (app: { saml: { certificates: string[] } }): Promise<SignatureCheck> => {
    const result = await verifyRedirectSignature(url.search.slice(1), app.saml.certificates);
    return result.kind === 'invalid' ? { invalid: result.reason } : result.kind;
  };
  return receive(c, () => decodeRedirect(request[0]!), relay[0], check, false);
});

samlIdpRoutes.post(SAML_PATHS.sso, limitBody(MAX_MESSAGE_BYTES * 2), async (c) => {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded')) return invalidSamlRequest(c, 'A SAML request is POSTed as an application/x-www-form-urlencoded form.');
  const form = new URLSearchParams(new TextDecoder().decode(await c.req.arrayBuffer()));
  const request = form.getAll('SAMLRequest');
  const relay = form.getAll('RelayState');
  if (request.length !== 1 || relay.length > 1) return invalidSamlRequest(c, 'A SAML sign-in request carries exactly one SAMLRequest (and at most one RelayState).');
  const check = (app: { saml: { certificates: string[] } }, parsed: AuthnRequest) => verifyPostSignature(parsed.element, app.saml.certificates);
  return receive(
    c,
    () => decodePost(request[0]!),
    relay[0],
    check,
    // A cross-site POST carries no SameSite=Lax session cookie: continue as a top-level GET, which does.
    true,
  );
});

samlIdpRoutes.get(`${SAML_PATHS.sso}/resume`, async (c) => {
  const request = await openRequest(c.env, c.req.query('request'));
  if (!request) return invalidSamlRequest(c, 'This sign-in link has expired or is not valid. Go back to the application and start again.');
  const app = await loadSamlAppById(c.env, request.clientId);
  if (!app) return unknownServiceProvider(c);
  // The app may have changed since the request was checked: its ACS must still be registered.
  if (!matchRedirect(app.redirectUrls, request.acsUrl)) return unregisteredAcs(c, app, request.acsUrl);
  return answer(c, app, request);
});

samlIdpRoutes.get(`${SAML_PATHS.launch}/:clientId`, async (c) => {
  const app = await loadSamlAppById(c.env, c.req.param('clientId'));
  if (!app) return unknownServiceProvider(c);
  const acsUrl = app.redirectUrls[0];
  if (!acsUrl) return invalidSamlRequest(c, 'This SAML app has no assertion consumer service URL.', app);
  // IdP-initiated: no AuthnRequest, so no InResponseTo; the assertion goes to the app's default ACS.
  return answer(c, app, { clientId: app.clientId, acsUrl, forceAuthn: false, isPassive: false });
});

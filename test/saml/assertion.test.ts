// What a service provider receives: a Response posted to its registered ACS, holding an
// assertion signed with the key the IdP metadata publishes, with the conditions, subject
// confirmation, NameID, authentication context and attributes the app relies on.
import { describe, expect, it } from 'vitest';
import { admin, Browser, call, PASSWORD } from '../helpers';
import { signedIn } from '../oidc/support';
import { childElements, NS, onlyChild, parseXml, textOf, verifyEnvelopedSignature, type XmlElement } from '../../src/lib/xml';
import { authnRequestXml, IDP_ENTITY, postedResponse, redirectPath, samlApp } from './support';

const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

async function metadataCertificates(): Promise<string[]> {
  const xml = await (await call('/saml/metadata')).text();
  return [...xml.matchAll(/<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/g)].map((m) => m[1]!);
}

/** The verified assertion of a posted Response (the test reads only what it verified, as an SP must). */
async function verifiedAssertion(xml: string): Promise<{ response: XmlElement; assertion: XmlElement }> {
  const response = parseXml(xml).documentElement!;
  const assertion = await verifyEnvelopedSignature(onlyChild(response, NS.saml, 'Assertion')!, { certificates: await metadataCertificates() });
  return { response, assertion };
}

const child = (el: XmlElement, ...path: string[]) => path.reduce((at, name) => onlyChild(at, NS.saml, name)!, el);

function attributes(assertion: XmlElement): Record<string, string[]> {
  const statement = onlyChild(assertion, NS.saml, 'AttributeStatement');
  if (!statement) return {};
  return Object.fromEntries(childElements(statement, NS.saml, 'Attribute').map((a) => [a.getAttribute('Name')!, childElements(a, NS.saml, 'AttributeValue').map(textOf)]));
}

/** Signs in through an SP-initiated request and returns the posted Response. */
async function signInFor(browser: Browser, path: string, email?: string) {
  let res = await browser.fetch(path);
  if (res.status === 303 && res.headers.get('location')!.startsWith('/login')) {
    const page = await browser.fetch(res.headers.get('location')!);
    res = await browser.submitLogin(await page.text(), email!, PASSWORD);
    expect(res.status).toBe(303);
    res = await browser.fetch(res.headers.get('location')!);
  }
  const posted = await postedResponse(res);
  if (!posted) throw new Error(`nothing posted: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return { posted, res };
}

describe('the Response posted to the ACS', () => {
  it('holds an assertion signed with the metadata’s key: issuer, audience, recipient, InResponseTo, short validity, password context, attributes', async () => {
    const { entityId, acs } = await samlApp();
    const { browser, user } = await signedIn({ name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace', groups: ['staff', 'eng'] });
    const { posted, res } = await signInFor(browser, await redirectPath(authnRequestXml({ issuer: entityId, acs, id: '_req-1' }), { relayState: 'back to /inbox' }));
    expect(posted.target).toBe(acs);
    expect(posted.relayState).toBe('back to /inbox');
    expect(res.headers.get('content-security-policy')).toContain(`form-action 'self' ${new URL(acs).origin}`);
    expect(res.headers.get('cache-control')).toBe('no-store');

    const { response, assertion } = await verifiedAssertion(posted.xml);
    expect(response.getAttribute('InResponseTo')).toBe('_req-1');
    expect(response.getAttribute('Destination')).toBe(acs);
    expect(textOf(child(assertion, 'Issuer'))).toBe(IDP_ENTITY);
    const nameId = child(assertion, 'Subject', 'NameID');
    expect(nameId.getAttribute('Format')).toBe(EMAIL);
    expect(textOf(nameId)).toBe(user.email);
    const confirmation = child(assertion, 'Subject', 'SubjectConfirmation', 'SubjectConfirmationData');
    expect(confirmation.getAttribute('Recipient')).toBe(acs);
    expect(confirmation.getAttribute('InResponseTo')).toBe('_req-1');
    const conditions = child(assertion, 'Conditions');
    expect(textOf(child(conditions, 'AudienceRestriction', 'Audience'))).toBe(entityId);
    const validity = (Date.parse(conditions.getAttribute('NotOnOrAfter')!) - Date.now()) / 1000;
    expect(validity).toBeGreaterThan(200);
    expect(validity).toBeLessThanOrEqual(300);
    expect(textOf(child(assertion, 'AuthnStatement', 'AuthnContext', 'AuthnContextClassRef'))).toBe('urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport');
    expect(attributes(assertion)).toEqual({ email: [user.email], name: ['Ada Lovelace'], given_name: ['Ada'], family_name: ['Lovelace'], groups: ['staff', 'eng'] });
  });

  it('uses the attribute names the app maps, and leaves out the ones mapped to ""', async () => {
    const { entityId, acs, app } = await samlApp();
    const patched = await admin('PATCH', `/apps/${app.client_id}`, { saml: { attribute_map: { email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', groups: 'memberOf', name: '' } } });
    expect(patched.status).toBe(200);
    const { browser, user } = await signedIn({ groups: ['ops'] });
    const { posted } = await signInFor(browser, await redirectPath(authnRequestXml({ issuer: entityId, acs })));
    const names = attributes((await verifiedAssertion(posted.xml)).assertion);
    expect(names['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress']).toEqual([user.email]);
    expect(names.memberOf).toEqual(['ops']);
    expect(names.name).toBeUndefined();
  });

  it('signs the whole Response when the app asks (sign: "response" or "both")', async () => {
    for (const sign of ['response', 'both'] as const) {
      const { entityId, acs, app } = await samlApp();
      expect((await admin('PATCH', `/apps/${app.client_id}`, { saml: { sign } })).status).toBe(200);
      const { browser } = await signedIn();
      const { posted } = await signInFor(browser, await redirectPath(authnRequestXml({ issuer: entityId, acs })));
      const response = parseXml(posted.xml).documentElement!;
      await verifyEnvelopedSignature(response, { certificates: await metadataCertificates() });
      const assertion = onlyChild(response, NS.saml, 'Assertion')!;
      expect(childElements(assertion, NS.ds, 'Signature').length).toBe(sign === 'both' ? 1 : 0);
    }
  });
});

describe('NameID formats', () => {
  it('persistent (asked in NameIDPolicy): stable for one app and user, different for another app, not the email or id', async () => {
    const one = await samlApp();
    const two = await samlApp();
    const { browser, user } = await signedIn();
    const nameIdFor = async (sp: { entityId: string; acs: string }) => {
      const { posted } = await signInFor(browser, await redirectPath(authnRequestXml({ issuer: sp.entityId, acs: sp.acs, nameIdFormat: PERSISTENT })));
      const nameId = child((await verifiedAssertion(posted.xml)).assertion, 'Subject', 'NameID');
      expect(nameId.getAttribute('Format')).toBe(PERSISTENT);
      return textOf(nameId);
    };
    const first = await nameIdFor(one);
    expect(await nameIdFor(one)).toBe(first);
    expect(await nameIdFor(two)).not.toBe(first);
    expect(first).not.toContain(user.email);
    expect(first).not.toContain(user.id);
  });

  it('the app’s setting when the request asks for none (unspecified: the user id; transient: new each time); the SP metadata’s email', async () => {
    const { entityId, acs, app } = await samlApp();
    const id = app.client_id;
    const { browser, user } = await signedIn();
    const nameId = async () => {
      const { posted } = await signInFor(browser, await redirectPath(authnRequestXml({ issuer: entityId, acs })));
      return child((await verifiedAssertion(posted.xml)).assertion, 'Subject', 'NameID');
    };
    expect((await admin('PATCH', `/apps/${id}`, { saml: { name_id_format: 'unspecified' } })).status).toBe(200);
    expect(textOf(await nameId())).toBe(user.id);
    expect((await admin('PATCH', `/apps/${id}`, { saml: { name_id_format: 'transient' } })).status).toBe(200);
    expect(textOf(await nameId())).not.toBe(textOf(await nameId()));

    const fromMetadata = await samlApp({ nameIdFormat: PERSISTENT });
    expect(fromMetadata.app.saml.name_id_format).toBe('persistent');
  });
});

describe('other answers', () => {
  it('IsPassive without a session: a NoPassive Response, no login page and no assertion', async () => {
    const { entityId, acs } = await samlApp();
    const res = await call(await redirectPath(authnRequestXml({ issuer: entityId, acs, isPassive: true, id: '_passive' })));
    const posted = await postedResponse(res);
    expect(posted?.target).toBe(acs);
    const response = parseXml(posted!.xml).documentElement!;
    await verifyEnvelopedSignature(response, { certificates: await metadataCertificates() });
    expect(response.getAttribute('InResponseTo')).toBe('_passive');
    expect(posted!.xml).toContain('urn:oasis:names:tc:SAML:2.0:status:NoPassive');
    expect(onlyChild(response, NS.saml, 'Assertion')).toBeUndefined();
  });

  it('IdP-initiated from My apps: the tile opens /saml/launch, which posts an assertion without InResponseTo', async () => {
    const { app, acs } = await samlApp();
    const { browser } = await signedIn();
    const myApps = await (await browser.fetch('/my-apps')).text();
    expect(myApps).toContain(`href="/saml/launch/${app.client_id}"`);
    const { posted } = await signInFor(browser, `/saml/launch/${app.client_id}`);
    expect(posted.target).toBe(acs);
    const { response, assertion } = await verifiedAssertion(posted.xml);
    expect(response.hasAttribute('InResponseTo')).toBe(false);
    expect(child(assertion, 'Subject', 'SubjectConfirmation', 'SubjectConfirmationData').hasAttribute('InResponseTo')).toBe(false);
  });

  it('an app that requires MFA sends a password session to the second-factor step (or enrolment) first, not to the ACS', async () => {
    const { entityId, acs } = await samlApp({}, { mfa: 'required' });
    const { browser } = await signedIn();
    const res = await browser.fetch(await redirectPath(authnRequestXml({ issuer: entityId, acs })));
    expect(await postedResponse(res)).toBeNull();
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/(login\/mfa|account)\?flow=/);
  });
});

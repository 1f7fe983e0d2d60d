// The SAML SSO service refuses what it must before anyone signs in: unknown SPs, unregistered
// ACS URLs, wrong Destination, stale or unsigned requests an SP said it signs, and users outside
// the app's access rule; and it starts the usual sign-in for a good request in either binding.
import { describe, expect, it } from 'vitest';
import { admin, Browser, call } from '../helpers';
import { signedIn } from '../oidc/support';
import { authnRequestXml, postedResponse, redirectPath, samlApp, spKey, SSO_URL } from './support';

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

describe('AuthnRequest, HTTP-Redirect binding', () => {
  it('a registered SP is sent to the login page, with nothing written and nothing posted', async () => {
    const { entityId, acs } = await samlApp();
    const res = await call(await redirectPath(authnRequestXml({ issuer: entityId, acs }), { relayState: 'rs-1' }));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/login\?flow=/);
  });

  it('an issuer that is no SAML app is a 404 page', async () => {
    const res = await call(await redirectPath(authnRequestXml({ issuer: 'https://unknown.example.com/sp' })));
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('not registered');
  });

  it('an AssertionConsumerServiceURL not registered for the app is refused with a page, even for a signed-in user', async () => {
    const { entityId, acs } = await samlApp();
    const { browser } = await signedIn();
    for (const other of ['https://evil.example.com/acs', `${acs}/x`, acs.replace('https:', 'http:'), `${acs}?next=1`]) {
      const res = await browser.fetch(await redirectPath(authnRequestXml({ issuer: entityId, acs: other })));
      expect(res.status, other).toBe(400);
      expect(await postedResponse(res), other).toBeNull();
      expect(await res.text()).toContain('not registered');
    }
  });

  it('refuses a Destination other than this SSO URL, a stale IssueInstant, a SAML 1 or malformed message', async () => {
    const { entityId } = await samlApp();
    const bad = [
      authnRequestXml({ issuer: entityId, destination: 'https://other-idp.example.com/sso' }),
      authnRequestXml({ issuer: entityId, issueInstant: Date.now() - 3600_000 }),
      authnRequestXml({ issuer: entityId }).replace('Version="2.0"', 'Version="1.1"'),
      '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"',
      `<!DOCTYPE x [<!ENTITY e "x">]>${authnRequestXml({ issuer: entityId })}`,
    ];
    for (const xml of bad) {
      const res = await call(await redirectPath(xml));
      expect(res.status, xml.slice(0, 80)).toBe(400);
    }
    expect((await call('/saml/sso?SAMLRequest=not%20base64!')).status).toBe(400);
    expect((await call('/saml/sso')).status).toBe(400);
  });

  it('refuses a deflate bomb without inflating it whole', async () => {
    const { entityId } = await samlApp();
    const xml = authnRequestXml({ issuer: entityId, extra: `<!--${'a'.repeat(2_000_000)}-->` });
    const res = await call(await redirectPath(xml));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('inflates to more than');
  });

  it('an SP whose metadata says AuthnRequestsSigned: its signature over the query string is verified with its certificate', async () => {
    const key = await spKey();
    const { entityId, acs, app } = await samlApp({ signed: key });
    expect(app.saml.requests_signed).toBe(true);
    const xml = () => authnRequestXml({ issuer: entityId, acs });

    const good = await call(await redirectPath(xml(), { key, relayState: 'state with spaces & more' }));
    expect(good.status).toBe(303);
    expect(good.headers.get('location')).toMatch(/^\/login\?flow=/);

    const unsigned = await call(await redirectPath(xml()));
    expect(unsigned.status).toBe(400);
    expect(await unsigned.text()).toContain('this one is not');

    const otherKey = await call(await redirectPath(xml(), { key: await spKey() }));
    expect(otherKey.status).toBe(400);

    const sha1 = await call(await redirectPath(xml(), { key, sigAlg: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1' }));
    expect(sha1.status).toBe(400);

    // The RelayState is part of what was signed: changing it breaks the signature.
    const path = await redirectPath(xml(), { key, relayState: 'a' });
    const tampered = await call(path.replace('RelayState=a', 'RelayState=b'));
    expect(tampered.status).toBe(400);
  });
});

describe('AuthnRequest, HTTP-POST binding', () => {
  it('continues as a GET through a sealed request (a cross-site POST carries no session cookie), then the login page', async () => {
    const { entityId, acs } = await samlApp();
    const res = await call('/saml/sso', form({ SAMLRequest: btoa(authnRequestXml({ issuer: entityId, acs })), RelayState: 'rs' }));
    expect(res.status).toBe(303);
    const resume = res.headers.get('location')!;
    expect(resume).toMatch(/^\/saml\/sso\/resume\?request=/);
    const next = await call(resume);
    expect(next.status).toBe(303);
    expect(next.headers.get('location')).toMatch(/^\/login\?flow=/);
    // The sealed request cannot be altered.
    const altered = resume.slice(0, -3) + (resume.endsWith('AAA') ? 'BBB' : 'AAA');
    expect((await call(altered)).status).toBe(400);
  });

  it('an unregistered ACS is refused at once, before any redirect', async () => {
    const { entityId } = await samlApp();
    const res = await call('/saml/sso', form({ SAMLRequest: btoa(authnRequestXml({ issuer: entityId, acs: 'https://evil.example.com/acs' })) }));
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('refuses a POST that is not a form, or repeats SAMLRequest', async () => {
    const { entityId } = await samlApp();
    const xml = btoa(authnRequestXml({ issuer: entityId }));
    expect((await call('/saml/sso', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(400);
    expect((await call('/saml/sso', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `SAMLRequest=${encodeURIComponent(xml)}&SAMLRequest=${encodeURIComponent(xml)}` })).status).toBe(400);
  });
});

describe('access rules', () => {
  it('a signed-in user outside the app’s access rule sees the 403 page, and no assertion leaves (SP- and IdP-initiated)', async () => {
    const { entityId, acs, app } = await samlApp({}, { access: { groups: ['payroll'] } });
    const { browser, user } = await signedIn({ groups: ['staff'] });
    const res = await browser.fetch(await redirectPath(authnRequestXml({ issuer: entityId, acs })));
    expect(res.status).toBe(403);
    expect(await postedResponse(res)).toBeNull();
    const launched = await browser.fetch(`/saml/launch/${app.client_id}`);
    expect(launched.status).toBe(403);
    expect(await postedResponse(launched)).toBeNull();
    const audit = await admin('GET', `/audit?type=access.denied&actor=${user.id}`);
    expect(((await audit.json()) as { events: { detail: { via: string } }[] }).events.some((e) => e.detail.via === 'saml')).toBe(true);
  });
});

describe('SAML apps are served by the SAML IdP only', () => {
  it('the JWT SSO URL and the OIDC authorization endpoint do not know a SAML app', async () => {
    const { app, acs } = await samlApp();
    expect((await call(`/sso/jwt/${app.client_id}?redirect_uri=${encodeURIComponent(acs)}`)).status).toBe(404);
    expect((await call(`/oauth2/authorize?client_id=${app.client_id}&redirect_uri=${encodeURIComponent(acs)}&response_type=code&scope=openid`)).status).toBe(404);
  });

  it('an unknown or non-SAML app has no IdP-initiated launch', async () => {
    expect((await call('/saml/launch/no-such-app')).status).toBe(404);
    const browser = new Browser();
    expect((await browser.fetch(`/saml/launch/${encodeURIComponent('x'.repeat(80))}`)).status).toBe(404);
    expect(SSO_URL).toBe('https://sso.test/saml/sso');
  });
});

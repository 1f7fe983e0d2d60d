// Registering SAML apps (admin API and console), and the IdP metadata that publishes their keys.
import { describe, expect, it } from 'vitest';
import { admin, call, unique } from '../helpers';
import { parseXml, NS, childElements, signEnveloped, serializeXml, textOf } from '../../src/lib/xml';
import { authnRequestXml, samlApp, spKey, spMetadata } from './support';

const certificatesIn = (xml: string) => [...xml.matchAll(/<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/g)].map((m) => m[1]!);

describe('POST /api/admin/apps with "type": "saml"', () => {
  it('typed settings: 201 with the SP settings and the IdP endpoints, no client secret; the same entity ID twice is a 409', async () => {
    const entityId = `https://${unique('sp')}.example.com/saml`;
    const res = await admin('POST', '/apps', { name: 'Wiki', type: 'saml', saml: { entity_id: entityId, acs_url: 'https://wiki.example.com/acs', name_id_format: 'persistent', attribute_map: { groups: 'memberOf' } } });
    expect(res.status).toBe(201);
    const app = (await res.json()) as Record<string, any>;
    expect(app.type).toBe('saml');
    expect(app.client_secret).toBeUndefined();
    expect(app.saml).toMatchObject({ entity_id: entityId, acs_urls: ['https://wiki.example.com/acs'], name_id_format: 'persistent', sign: 'assertion', requests_signed: false });
    expect(app.saml.attribute_map.groups).toBe('memberOf');
    expect(app.metadata_url).toBe('https://sso.test/saml/metadata');
    expect(app.sso_url).toBe('https://sso.test/saml/sso');
    expect(app.launch_url).toBe(`https://sso.test/saml/launch/${app.client_id}`);
    const again = await admin('POST', '/apps', { name: 'Wiki 2', type: 'saml', saml: { entity_id: entityId, acs_url: 'https://wiki2.example.com/acs' } });
    expect(again.status).toBe(409);
  });

  it('refuses, naming each field: no saml, OIDC-only fields, http ACS off loopback, bad metadata (DTD, no HTTP-POST ACS, no SP), unknown saml fields', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'x', type: 'saml' }, 'saml'],
      [{ name: 'x', type: 'saml', redirect_urls: ['https://a.example.com/cb'], saml: { entity_id: 'urn:x', acs_url: 'https://a.example.com/acs' } }, 'redirect_urls'],
      [{ name: 'x', type: 'saml', saml: { entity_id: 'urn:x', acs_url: 'http://a.example.com/acs' } }, 'saml.acs_url'],
      [{ name: 'x', type: 'saml', saml: { entity_id: 'urn:x' } }, 'saml.acs_url'],
      [{ name: 'x', type: 'saml', saml: { metadata_xml: `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${spMetadata({ entityId: 'urn:x', acs: ['https://a.example.com/acs'] })}` } }, 'saml.metadata_xml'],
      [{ name: 'x', type: 'saml', saml: { metadata_xml: spMetadata({ entityId: 'urn:x', acs: [] }) } }, 'saml.metadata_xml'],
      [{ name: 'x', type: 'saml', saml: { metadata_xml: '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="urn:x"/>' } }, 'saml.metadata_xml'],
      [{ name: 'x', type: 'saml', saml: { entity_id: 'urn:x', acs_url: 'https://a.example.com/acs', sign: 'nothing' } }, 'saml.sign'],
      [{ name: 'x', type: 'saml', saml: { entity_id: 'urn:x', acs_url: 'https://a.example.com/acs', wants: 1 } }, 'saml.wants'],
      [{ name: 'x', type: 'saml', saml: { entity_id: 'urn:x', acs_url: 'https://a.example.com/acs', attribute_map: { password: 'pw' } } }, 'saml.attribute_map'],
      [{ name: 'x', type: 'ldap', redirect_urls: ['https://a.example.com/cb'] }, 'type'],
      [{ name: 'x', redirect_urls: ['https://a.example.com/cb'], saml: {} }, 'saml'],
    ];
    for (const [body, field] of cases) {
      const res = await admin('POST', '/apps', body);
      expect(res.status, JSON.stringify(body).slice(0, 120)).toBe(400);
      expect(Object.keys(((await res.json()) as { fields: Record<string, string> }).fields), JSON.stringify(body).slice(0, 120)).toContain(field);
    }
  });

  it('PATCH changes only the saml fields given; the ACS list follows acs_url; type cannot change', async () => {
    const { app } = await samlApp();
    const res = await admin('PATCH', `/apps/${app.client_id}`, { saml: { acs_url: ['https://new.example.com/acs', 'https://new.example.com/acs2'], sign: 'both' } });
    expect(res.status).toBe(200);
    const changed = (await res.json()) as Record<string, any>;
    expect(changed.saml.acs_urls).toEqual(['https://new.example.com/acs', 'https://new.example.com/acs2']);
    expect(changed.saml.sign).toBe('both');
    expect(changed.saml.entity_id).toBe(app.saml.entity_id);
    expect((await admin('PATCH', `/apps/${app.client_id}`, { redirect_urls: ['https://x.example.com/'] })).status).toBe(400);
    const oidc = (await (await admin('POST', '/apps', { name: 'o', type: 'oidc', redirect_urls: ['https://o.example.com/cb'] })).json()) as { client_id: string; type: string };
    expect(oidc.type).toBe('oidc');
    expect((await admin('PATCH', `/apps/${oidc.client_id}`, { type: 'saml' })).status).toBe(400);
  });
});

describe('GET /saml/metadata', () => {
  it('publishes a signing certificate per RS256 key, the next one ahead of a rotation, and both SSO bindings', async () => {
    const res = await call('/saml/metadata');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/samlmetadata+xml');
    const xml = await res.text();
    const root = parseXml(xml).documentElement!;
    expect(root.getAttribute('entityID')).toBe('https://sso.test/saml/metadata');
    const idp = childElements(root, NS.md, 'IDPSSODescriptor')[0]!;
    expect(childElements(idp, NS.md, 'SingleSignOnService').map((s) => s.getAttribute('Binding'))).toEqual([
      'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
      'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
    ]);
    const before = certificatesIn(xml);
    expect(before.length).toBeGreaterThanOrEqual(1);
    // Deterministic: the same key gives the same certificate every time.
    expect(certificatesIn(await (await call('/saml/metadata')).text())).toEqual(before);
    expect((await admin('POST', '/keys/RS256/rotate')).status).toBeLessThan(300);
    const after = certificatesIn(await (await call('/saml/metadata')).text());
    expect(after.length).toBe(before.length + 1);
    expect(after).toEqual(expect.arrayContaining(before));
    expect(textOf(childElements(idp, NS.md, 'NameIDFormat')[0]!)).toContain('nameid-format');
  });
});

describe('signed AuthnRequests with the HTTP-POST binding', () => {
  it('the enveloped signature is verified with the SP metadata’s certificate; another key or a change after signing is refused', async () => {
    const key = await spKey();
    const { entityId, acs } = await samlApp({ signed: key });
    const signed = async (signer = key, mutate = (x: string) => x) => {
      const doc = parseXml(authnRequestXml({ issuer: entityId, acs, id: '_signed-post' }));
      const root = doc.documentElement!;
      await signEnveloped(root, { privateKey: signer.privateKey, insertBefore: childElements(root, NS.saml, 'Issuer')[0]!.nextSibling });
      return btoa(mutate(serializeXml(doc)));
    };
    const post = async (body: string) =>
      call('/saml/sso', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ SAMLRequest: body }).toString() });
    const good = await post(await signed());
    expect(good.status).toBe(303);
    expect(good.headers.get('location')).toMatch(/^\/saml\/sso\/resume\?/);
    expect((await post(btoa(authnRequestXml({ issuer: entityId, acs })))).status).toBe(400);
    expect((await post(await signed(await spKey()))).status).toBe(400);
    expect((await post(await signed(key, (x) => x.replace('ForceAuthn', 'X').replace('ProtocolBinding=', 'ForceAuthn="true" ProtocolBinding=')))).status).toBe(400);
  });
});

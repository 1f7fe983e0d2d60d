// The SAML ACS end to end inside workerd: a source made through the admin API from metadata XML,
// a sign-in started in a "browser" (the attempt cookie), responses from a test IdP posted back.
// The hostile corpus: each response is refused with a 400 page and no session.
import { beforeAll, describe, expect, it } from 'vitest';
import { base64Encode, certificateDer, spkiOfCertificate } from '../../../src/lib/xml';
import { Browser, admin, auditUntil, call, ORIGIN, unique } from '../../helpers';
import { IDP_ENTITY, assertionXml, createSource, idpMetadata, postResponse, responseXml, signById, startSignIn, testKey, type AssertionParts, type TestKey } from './idp';

const SESSION = '__Host-edge-sso-session';
let idp: TestKey;
let rolled: TestKey;
let attacker: TestKey;
let slug: string;
let acs: string;
let audience: string;

const createSamlSource = (fields: Record<string, unknown> = {}) => createSource([idp.certificate, rolled.certificate], fields);

beforeAll(async () => {
  [idp, rolled, attacker] = await Promise.all([testKey('idp'), testKey('idp next'), testKey('attacker')]);
  const source = await createSamlSource();
  slug = source.slug;
  acs = source.acs_url;
  audience = source.sp_entity_id;
});

const start = (forSlug = slug) => startSignIn(forSlug);
const post = (browser: Browser, xml: string, relayState: string, toAcs = acs) => postResponse(browser, toAcs, xml, relayState);

/** Shibboleth-style OID email attribute: a fresh address, so provisioning creates a fresh user. */
const mailAttribute = () => ({ 'urn:oid:0.9.2342.19200300.100.1.3': [`${unique('u')}@example.org`] });
const parts = (requestId: string, extra: Partial<AssertionParts> = {}): AssertionParts => ({
  recipient: acs,
  audience,
  inResponseTo: requestId,
  attributes: mailAttribute(),
  ...extra,
});

/** A response whose assertion is signed by `key` (the usual shape of AD FS, Entra ID, Okta). */
async function signedAssertionResponse(requestId: string, extra: Partial<AssertionParts> = {}, key = idp) {
  const id = `_a${crypto.randomUUID()}`;
  const xml = responseXml({ destination: acs, inResponseTo: requestId, body: assertionXml(parts(requestId, { id, ...extra })) });
  return signById(xml, id, key);
}

describe('SAML source: admin API and SP metadata', () => {
  it('answers 201 with sp_entity_id, acs_url and sp_metadata_url, and serves the SP metadata with an encryption certificate', async () => {
    expect(acs).toBe(`${ORIGIN}/federation/${slug}/saml/acs`);
    expect(audience).toBe(`${ORIGIN}/federation/${slug}/saml/metadata`);
    const res = await call(`/federation/${slug}/saml/metadata`);
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(xml).toContain(`entityID="${audience}"`);
    expect(xml).toContain(`Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${acs}"`);
    expect(xml).toMatch(/<md:KeyDescriptor use="encryption">[\s\S]*<ds:X509Certificate>MII/);
    const source = (await (await admin('GET', `/identity-sources/${slug}`)).json()) as Record<string, unknown>;
    expect(source.idp_entity_id).toBe(IDP_ENTITY);
    expect(source.idp_certificates).toEqual([idp.certificate, rolled.certificate]);
    expect(source.sp_private_key).toBeUndefined();
    expect(JSON.stringify(source)).not.toMatch(/PRIVATE KEY|MIIE[A-Za-z0-9+/]{20}/);
  });

  it('accepts metadata XML pasted as IdPs publish it: with line breaks and tabs', async () => {
    const pretty = idpMetadata([idp.certificate]).replace(/></g, '>\n\t<');
    expect(pretty).toContain('\n\t<md:IDPSSODescriptor');
    const source = await createSource([idp.certificate], { metadata_xml: `\n${pretty}\n` });
    expect(source.idp_certificates).toEqual([idp.certificate]);
  });

  it('refuses unusable metadata with a 400 naming the field', async () => {
    for (const [metadata_xml, message] of [
      ['<!DOCTYPE x [<!ENTITY a "b">]><x/>', /DTD/],
      ['<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>', /IDPSSODescriptor/],
      [idpMetadata([]), /signing certificate/],
    ] as const) {
      const res = await admin('POST', '/identity-sources', { type: 'entra-saml', metadata_xml });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { fields: Record<string, string> }).fields.metadata_xml).toMatch(message);
    }
    const neither = await admin('POST', '/identity-sources', { type: 'adfs-saml' });
    expect(((await neither.json()) as { fields: Record<string, string> }).fields.metadata_url).toBeDefined();
  });
});

describe('SAML sign-in at the ACS', () => {
  it('sends an AuthnRequest by HTTP-Redirect and signs the user in from a signed assertion', async () => {
    const { browser, location, request, requestId, relayState } = await start();
    expect(location.origin + location.pathname).toBe('https://idp.example.org/saml/sso');
    expect(request).toContain(`AssertionConsumerServiceURL="${acs}"`);
    expect(request).toContain(`<saml:Issuer>${audience}</saml:Issuer>`);
    const cookie = [...browser.cookies.keys()].find((k) => k.includes('edge-sso-fed'));
    expect(cookie).toBeDefined();

    const email = `${unique('alice')}@example.org`;
    const xml = await signedAssertionResponse(requestId, {
      nameId: unique('persistent'),
      attributes: { 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': [email], 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname': ['Alice'] },
    });
    const res = await post(browser, xml, relayState);
    expect(res.status, await res.clone().text()).toBe(303);
    expect(browser.cookies.has(SESSION)).toBe(true);
    const users = (await (await admin('GET', `/users?q=${encodeURIComponent(email)}`)).json()) as { users: { email: string; given_name?: string }[] };
    expect(users.users.map((u) => u.email)).toEqual([email]);
    const events = await auditUntil(`type=login.success&user=${encodeURIComponent(email)}`, (e) => e.length > 0);
    expect(events[0]!.detail).toMatchObject({ source: slug });
  });

  it('accepts the next certificate of an overlapping rollover, and a signed response around an unsigned assertion', async () => {
    const a = await start();
    const res1 = await post(a.browser, await signedAssertionResponse(a.requestId, { nameId: unique('n') }, rolled), a.relayState);
    expect(res1.status).toBe(303);

    const b = await start();
    const rid = `_r${crypto.randomUUID()}`;
    const unsignedInside = responseXml({ id: rid, destination: acs, inResponseTo: b.requestId, body: assertionXml(parts(b.requestId, { nameId: unique('n') })) });
    const res2 = await post(b.browser, await signById(unsignedInside, rid, idp), b.relayState);
    expect(res2.status).toBe(303);
  });

  it('accepts an assertion once: a replay, even in parallel, signs nobody in', async () => {
    const attempts = await Promise.all([start(), start(), start(), start()]);
    const xml = await signedAssertionResponse(attempts[0]!.requestId, { nameId: unique('replayed') });
    // The same assertion posted by four browsers at once (the first one's attempt matches; InResponseTo
    // differs for the others, but all race to the replay cache first for the first browser's cookie).
    const first = await Promise.all([post(attempts[0]!.browser, xml, attempts[0]!.relayState), ...attempts.slice(1).map((a) => post(a.browser, xml, a.relayState))]);
    expect(first.filter((r) => r.status === 303)).toHaveLength(1);

    // Same browser, same assertion, attempt restarted with the same request? Impossible: so replay with a copied cookie.
    const again = await start();
    const xml2 = await signedAssertionResponse(again.requestId, { nameId: unique('replayed') });
    const copies = [new Browser(), new Browser(), new Browser()].map((b) => {
      for (const [k, v] of again.browser.cookies) b.cookies.set(k, v);
      return b;
    });
    const raced = await Promise.all(copies.map((b) => post(b, xml2, again.relayState)));
    expect(raced.map((r) => r.status).sort()).toEqual([303, 400, 400]);
  });
});

describe('encrypted assertions', () => {
  /** Encrypts `xml` for the SP certificate as an IdP does: AES-256-GCM content, RSA-OAEP (mgf1p) key transport. */
  async function encryptFor(certificate: string, xml: string): Promise<string> {
    const spki = spkiOfCertificate(certificateDer(certificate));
    const rsa = await crypto.subtle.importKey('spki', spki, { name: 'RSA-OAEP', hash: 'SHA-1' }, false, ['encrypt']);
    const raw = crypto.getRandomValues(new Uint8Array(32));
    const aes = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt']);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const body = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, aes, new TextEncoder().encode(xml)));
    const wrapped = new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, rsa, raw));
    return (
      `<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element">` +
      `<xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/>` +
      `<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/>` +
      `<xenc:CipherData><xenc:CipherValue>${base64Encode(wrapped)}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>` +
      `<xenc:CipherData><xenc:CipherValue>${base64Encode(new Uint8Array([...iv, ...body]))}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion>`
    );
  }

  it('decrypts an EncryptedAssertion with the SP key of the source, and still requires its signature', async () => {
    const source = (await (await admin('GET', `/identity-sources/${slug}`)).json()) as { sp_certificate: string };
    const signedEncrypted = async (requestId: string, sign: boolean) => {
      const id = `_a${crypto.randomUUID()}`;
      const assertion = assertionXml(parts(requestId, { id, nameId: unique('enc') }));
      const inner = sign ? await signById(assertion, id, idp) : assertion;
      return responseXml({ destination: acs, inResponseTo: requestId, body: await encryptFor(source.sp_certificate, inner.replace(/^<\?xml[^>]*>/, '')) });
    };
    const ok = await start();
    const res = await post(ok.browser, await signedEncrypted(ok.requestId, true), ok.relayState);
    expect(res.status, await res.clone().text()).toBe(303);
    expect(ok.browser.cookies.has(SESSION)).toBe(true);

    const unsigned = await start();
    const refused = await post(unsigned.browser, await signedEncrypted(unsigned.requestId, false), unsigned.relayState);
    expect(refused.status).toBe(400);
    expect(unsigned.browser.cookies.has(SESSION)).toBe(false);

    const otherKey = await start();
    const attackerCert = attacker.certificate; // encrypted for a key the SP does not hold
    const id = `_a${crypto.randomUUID()}`;
    const foreign = responseXml({ destination: acs, inResponseTo: otherKey.requestId, body: await encryptFor(attackerCert, await signById(assertionXml(parts(otherKey.requestId, { id })), id, idp)) });
    expect((await post(otherKey.browser, foreign, otherKey.relayState)).status).toBe(400);
  });
});

// --- The hostile corpus ------------------------------------------------------------------------

type Case = (requestId: string) => Promise<string>;

/** The signed response, its signed assertion, and an unsigned evil assertion to arrange around it. */
async function pieces(requestId: string) {
  const signed = await signedAssertionResponse(requestId, { nameId: 'alice-id' });
  const assertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(signed)![0];
  const evil = assertionXml(parts(requestId, { id: `_evil${crypto.randomUUID()}`, nameId: 'admin-id' }));
  return { signed, assertion, evil };
}

const CORPUS: Record<string, Case> = {
  'unsigned assertion, unsigned response': async (rid) => responseXml({ destination: acs, inResponseTo: rid, body: assertionXml(parts(rid)) }),
  'signed assertion moved into Extensions, unsigned one in its place': async (rid) => {
    const { signed, assertion, evil } = await pieces(rid);
    return signed.replace(assertion, evil).replace('<samlp:Status>', `<samlp:Extensions>${assertion}</samlp:Extensions><samlp:Status>`);
  },
  'unsigned assertion before the signed one': async (rid) => {
    const { signed, assertion, evil } = await pieces(rid);
    return signed.replace(assertion, () => evil + assertion);
  },
  'unsigned assertion after the signed one': async (rid) => {
    const { signed, assertion, evil } = await pieces(rid);
    return signed.replace(assertion, () => assertion + evil);
  },
  'signed assertion nested in the unsigned one (Advice)': async (rid) => {
    const { signed, assertion, evil } = await pieces(rid);
    return signed.replace(assertion, () => evil.replace('</saml:Assertion>', `<saml:Advice>${assertion}</saml:Advice></saml:Assertion>`));
  },
  'signed assertion inside the signature Object of the evil one': async (rid) => {
    const signed = await signedAssertionResponse(rid, { nameId: 'alice-id' });
    const signedAssertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(signed)![0];
    const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(signedAssertion)![0];
    const evil = assertionXml(parts(rid, { nameId: 'admin-id' })).replace('</saml:Issuer>', `</saml:Issuer>${signature.replace('</ds:Signature>', `<ds:Object>${signedAssertion}</ds:Object></ds:Signature>`)}`);
    return signed.replace(signedAssertion, evil);
  },
  'signed response wrapping: evil response around the signed one in Extensions': async (rid) => {
    const rid2 = `_r${crypto.randomUUID()}`;
    const inner = await signById(responseXml({ id: rid2, destination: acs, inResponseTo: rid, body: assertionXml(parts(rid)) }), rid2, idp);
    const innerNoDecl = inner.replace(/^<\?xml[^>]*>/, '');
    return responseXml({ destination: acs, inResponseTo: rid, body: `<samlp:Extensions>${innerNoDecl}</samlp:Extensions>${assertionXml(parts(rid, { nameId: 'admin-id' }))}` });
  },
  'NameID changed after signing': async (rid) => (await signedAssertionResponse(rid, { nameId: 'alice-id' })).replace('>alice-id<', '>admin-id<'),
  'signed by a key not in the metadata (its certificate in KeyInfo)': (rid) => signedAssertionResponse(rid, {}, attacker),
  'another audience': (rid) => signedAssertionResponse(rid, { audience: 'https://other-sp.example/metadata' }),
  'another recipient': (rid) => signedAssertionResponse(rid, { recipient: 'https://other-sp.example/acs' }),
  'another issuer': (rid) => signedAssertionResponse(rid, { issuer: 'https://evil.example/idp' }),
  'expired assertion': (rid) => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    return signedAssertionResponse(rid, { now: past, notOnOrAfter: past + 300 });
  },
  'not yet valid': (rid) => signedAssertionResponse(rid, { notBefore: Math.floor(Date.now() / 1000) + 3600 }),
  'issued long ago with a far expiry': (rid) => signedAssertionResponse(rid, { issueInstant: Math.floor(Date.now() / 1000) - 7200, notOnOrAfter: Math.floor(Date.now() / 1000) + 7200 }),
  'answer to another request': (rid) => signedAssertionResponse(`${rid}x`).then((x) => x.replace(`InResponseTo="${rid}x"`, `InResponseTo="${rid}"`)),
  'assertion InResponseTo another request': (rid) => signedAssertionResponse(rid, { inResponseTo: '_other' }),
  'transient NameID': (rid) => signedAssertionResponse(rid, { nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient' }),
  'IdP error status': async (rid) => responseXml({ destination: acs, inResponseTo: rid, status: 'urn:oasis:names:tc:SAML:2.0:status:Responder', body: '' }),
  'DTD with an entity in the response': async (rid) => `<!DOCTYPE r [<!ENTITY e "admin-id">]>${(await signedAssertionResponse(rid)).replace(/^<\?xml[^>]*>/, '')}`,
  'processing instruction in the NameID': async (rid) => (await signedAssertionResponse(rid, { nameId: 'alice-id' })).replace('>alice-id<', '>alice-id<?x y?><'),
  'two SignedInfo (CVE-2025-29774)': async (rid) => {
    const signed = await signedAssertionResponse(rid);
    const si = /<ds:SignedInfo>[\s\S]*?<\/ds:SignedInfo>/.exec(signed)![0];
    return signed.replace(si, si + si.replace(/<ds:DigestValue>[^<]*/, '<ds:DigestValue>AAAA'));
  },
  'comment inside DigestValue (CVE-2025-29775)': async (rid) => (await signedAssertionResponse(rid)).replace(/<ds:DigestValue>(.{8})/, '<ds:DigestValue>$1<!-- -->'),
  'Reference to another element, ID duplicated (ruby-saml CVE-2024-45409)': async (rid) => {
    const signed = await signedAssertionResponse(rid);
    const id = /<saml:Assertion[^>]* ID="([^"]+)"/.exec(signed)![1]!;
    return signed.replace('<samlp:Status>', `<samlp:Extensions><x ID="${id}"/></samlp:Extensions><samlp:Status>`);
  },
  'DTD ATTLIST defaulting an attribute (the parser differential of CVE-2025-25291/25292)': async (rid) =>
    `<!DOCTYPE samlp:Response [<!ATTLIST saml:NameID Format CDATA "x">]>${(await signedAssertionResponse(rid)).replace(/^<\?xml[^>]*>/, '')}`,
  'signed assertion in a second Response inside the first (XSW2)': async (rid) => {
    const { signed, assertion, evil } = await pieces(rid);
    const inner = signed.replace(/^<\?xml[^>]*>/, '');
    return signed.replace(assertion, () => evil).replace('<samlp:Status>', () => `<samlp:Extensions>${inner}</samlp:Extensions><samlp:Status>`);
  },
  'signature only over an empty element (samlify CVE-2025-47949: signed part is not what is read)': async (rid) => {
    const eid = `_e${crypto.randomUUID()}`;
    const xml = responseXml({ destination: acs, inResponseTo: rid, body: `<samlp:Extensions><x ID="${eid}"><saml:Issuer>${IDP_ENTITY}</saml:Issuer></x></samlp:Extensions>${assertionXml(parts(rid, { nameId: 'admin-id' }))}` });
    return signById(xml, eid, idp);
  },
  'response Destination elsewhere': async (rid) => (await signedAssertionResponse(rid)).replace(`Destination="${acs}"`, 'Destination="https://other.example/acs"'),
};

describe('hostile responses at the ACS', () => {
  for (const [name, build] of Object.entries(CORPUS)) {
    it(`refuses: ${name}`, async () => {
      const { browser, requestId, relayState } = await start();
      const res = await post(browser, await build(requestId), relayState);
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(browser.cookies.has(SESSION)).toBe(false);
      expect(await res.text()).not.toMatch(/stack|Error:/);
    });
  }

  it('refuses an unsolicited response unless the source allows IdP-initiated sign-in', async () => {
    const xml = async () => {
      const id = `_a${crypto.randomUUID()}`;
      return signById(responseXml({ destination: acs, body: assertionXml({ id, recipient: acs, audience, nameId: unique('idp-init'), attributes: mailAttribute() }) }), id, idp);
    };
    const refused = await post(new Browser(), await xml(), '');
    expect(refused.status).toBe(400);

    const allowed = await createSamlSource({ allow_idp_initiated: true });
    const allowedXml = async () => {
      const id = `_a${crypto.randomUUID()}`;
      const a = allowed.acs_url as string;
      return signById(responseXml({ destination: a, body: assertionXml({ id, recipient: a, audience: allowed.sp_entity_id, nameId: unique('idp-init'), attributes: mailAttribute() }) }), id, idp);
    };
    const browser = new Browser();
    const ok = await post(browser, await allowedXml(), 'https://evil.example/after', allowed.acs_url);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/login'); // RelayState is never a redirect target
    expect(browser.cookies.has(SESSION)).toBe(true);
  });

  it('refuses a response posted from a browser that did not start the sign-in', async () => {
    const { requestId, relayState } = await start();
    const res = await post(new Browser(), await signedAssertionResponse(requestId), relayState);
    expect(res.status).toBe(400);
  });
});

describe('comments inside signed values', () => {
  it('never truncate the NameID: the whole value links the account, not the part before the comment', async () => {
    const victim = `${unique('victim')}@corp.example`;
    await admin('POST', '/users', { email: victim, password: 'correct horse battery', name: 'Victim' });
    const { browser, requestId, relayState } = await start();
    const full = `${victim}.evil.example`;
    const signed = await signedAssertionResponse(requestId, { nameId: full, nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', attributes: {} });
    // Comments are not covered by the signature (XMLDSig drops them for "#id" references), so the
    // signature still holds; a parser that stopped at the comment would read the victim's address.
    const res = await post(browser, signed.replace(`>${full}<`, `>${victim}<!---->.evil.example<`), relayState);
    expect(res.status).toBe(303);
    const events = await auditUntil(`type=login.success&user=${encodeURIComponent(victim)}`, (e) => e.length > 0);
    expect(events.map((e) => e.target)).toEqual([full]);
  });
});

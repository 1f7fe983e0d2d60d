// A test IdP inside workerd: signing keys, metadata, and SAML responses built from parts, signed
// with the XML core's signer (itself checked against xmlsec1 in test/e2e/xml-xmlsec.test.ts).
// The hostile corpus starts from these and rearranges them.
import { expect } from 'vitest';
import { NS, base64Encode, canonicalize, parseXml, selfSignedCertificate, serializeXml, signEnveloped, type XmlElement } from '../../../src/lib/xml';
import { admin, Browser, unique } from '../../helpers';

export const IDP_ENTITY = 'https://idp.example.org/saml/metadata';
export const IDP_SSO = 'https://idp.example.org/saml/sso';

export interface TestKey {
  privateKey: CryptoKey;
  certificate: string;
}

export async function testKey(name = 'test idp'): Promise<TestKey> {
  const pair = (await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  const certificate = base64Encode(
    await selfSignedCertificate({
      commonName: name,
      publicKey: pair.publicKey,
      privateKey: pair.privateKey,
      notBefore: new Date(Date.now() - 3600_000),
      notAfter: new Date(Date.now() + 86400_000),
      serial: new Uint8Array([1, 2, 3, 4]),
    }),
  );
  return { privateKey: pair.privateKey, certificate };
}

export function idpMetadata(certificates: string[], options: { redirect?: boolean; post?: boolean; entityId?: string; wantSigned?: boolean } = {}): string {
  const keys = certificates
    .map((c) => `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${c}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`)
    .join('');
  const sso = [
    options.redirect !== false ? `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${IDP_SSO}"/>` : '',
    options.post ? `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${IDP_SSO}/post"/>` : '',
  ].join('');
  return `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="${NS.md}" xmlns:ds="${NS.ds}" entityID="${options.entityId ?? IDP_ENTITY}"><md:IDPSSODescriptor${options.wantSigned ? ' WantAuthnRequestsSigned="true"' : ''} protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${keys}${sso}</md:IDPSSODescriptor></md:EntityDescriptor>`;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface AssertionParts {
  id?: string;
  issuer?: string;
  nameId?: string;
  nameIdFormat?: string;
  recipient: string;
  audience: string;
  inResponseTo?: string;
  now?: number;
  notBefore?: number;
  notOnOrAfter?: number;
  issueInstant?: number;
  attributes?: Record<string, string[]>;
}

export function assertionXml(p: AssertionParts): string {
  const now = p.now ?? Math.floor(Date.now() / 1000);
  const attrs = Object.entries(p.attributes ?? {})
    .map(([name, values]) => `<saml:Attribute Name="${name}">${values.map((v) => `<saml:AttributeValue>${v}</saml:AttributeValue>`).join('')}</saml:Attribute>`)
    .join('');
  const inResponseTo = p.inResponseTo ? ` InResponseTo="${p.inResponseTo}"` : '';
  return (
    `<saml:Assertion xmlns:saml="${NS.saml}" ID="${p.id ?? `_a${crypto.randomUUID()}`}" Version="2.0" IssueInstant="${iso(p.issueInstant ?? now)}">` +
    `<saml:Issuer>${p.issuer ?? IDP_ENTITY}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="${p.nameIdFormat ?? 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'}">${p.nameId ?? 'alice-id'}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${iso(p.notOnOrAfter ?? now + 300)}" Recipient="${p.recipient}"${inResponseTo}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${iso(p.notBefore ?? now - 60)}" NotOnOrAfter="${iso(p.notOnOrAfter ?? now + 300)}"><saml:AudienceRestriction><saml:Audience>${p.audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(now)}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    (attrs ? `<saml:AttributeStatement>${attrs}</saml:AttributeStatement>` : '') +
    `</saml:Assertion>`
  );
}

export function responseXml(p: { destination: string; inResponseTo?: string; body: string; id?: string; status?: string }): string {
  const inResponseTo = p.inResponseTo ? ` InResponseTo="${p.inResponseTo}"` : '';
  return (
    `<samlp:Response xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${p.id ?? `_r${crypto.randomUUID()}`}" Version="2.0" IssueInstant="${iso(Math.floor(Date.now() / 1000))}" Destination="${p.destination}"${inResponseTo}>` +
    `<saml:Issuer>${IDP_ENTITY}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${p.status ?? 'urn:oasis:names:tc:SAML:2.0:status:Success'}"/></samlp:Status>` +
    p.body +
    `</samlp:Response>`
  );
}

/** Signs the element with this ID (after its Issuer) in the serialized document. */
export async function signById(xml: string, id: string, key: TestKey): Promise<string> {
  const doc = parseXml(xml);
  const target = Array.from(doc.getElementsByTagName('*')).find((e) => e.getAttribute('ID') === id) as XmlElement;
  const issuer = Array.from(target.childNodes).find((n) => (n as XmlElement).localName === 'Issuer');
  await signEnveloped(target, { privateKey: key.privateKey, certificate: key.certificate, insertBefore: issuer ? issuer.nextSibling : target.firstChild });
  return serializeXml(doc);
}

export const b64 = (xml: string) => base64Encode(new TextEncoder().encode(xml));

/** A SAML source made through the admin API from metadata XML listing `certificates`. */
export async function createSource(certificates: string[], fields: Record<string, unknown> = {}) {
  const res = await admin('POST', '/identity-sources', {
    type: 'saml',
    name: 'Test SAML IdP',
    slug: unique('saml').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40),
    metadata_xml: idpMetadata(certificates),
    ...fields,
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Record<string, any>;
}

/** Starts a sign-in in a fresh browser: the AuthnRequest ID and RelayState the IdP would echo. */
export async function startSignIn(slug: string) {
  const browser = new Browser();
  const res = await browser.fetch(`/federation/${slug}/start`);
  expect(res.status).toBe(303);
  const location = new URL(res.headers.get('location')!);
  const deflated = Uint8Array.from(atob(location.searchParams.get('SAMLRequest')!), (c) => c.charCodeAt(0));
  const request = await new Response(new Blob([deflated]).stream().pipeThrough(new DecompressionStream('deflate-raw'))).text();
  return { browser, location, request, requestId: /ID="([^"]+)"/.exec(request)![1]!, relayState: location.searchParams.get('RelayState')! };
}

/** The IdP's HTTP-POST of a response to the ACS, from this browser. */
export const postResponse = (browser: Browser, acs: string, xml: string, relayState: string) =>
  browser.fetch(new URL(acs).pathname, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://idp.example.org' },
    body: new URLSearchParams({ SAMLResponse: b64(xml), RelayState: relayState }),
  });

const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const SHA1 = 'http://www.w3.org/2000/09/xmldsig#sha1';

/**
 * Signs the element with this ID with RSA-SHA1 and a SHA-1 digest (what an old IdP sends): our
 * signer makes only RSA-SHA256, so its signature is redone here with SHA-1, digest and all.
 */
export async function signByIdSha1(xml: string, id: string, key: TestKey): Promise<string> {
  const doc = parseXml(await signById(xml, id, key));
  const target = Array.from(doc.getElementsByTagName('*')).find((e) => e.getAttribute('ID') === id) as XmlElement;
  const signature = Array.from(target.childNodes).find((n) => (n as XmlElement).localName === 'Signature') as XmlElement;
  const ds = (name: string) => signature.getElementsByTagNameNS(NS.ds, name)[0] as XmlElement;
  ds('SignatureMethod').setAttribute('Algorithm', RSA_SHA1);
  ds('DigestMethod').setAttribute('Algorithm', SHA1);
  // The enveloped-signature transform: the digest is of the element without its Signature.
  const next = signature.nextSibling;
  target.removeChild(signature);
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(canonicalize(target)));
  target.insertBefore(signature, next);
  ds('DigestValue').textContent = base64Encode(new Uint8Array(digest));
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', key.privateKey);
  const sha1Key = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' }, false, ['sign']);
  const value = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', sha1Key, new TextEncoder().encode(canonicalize(ds('SignedInfo'))));
  ds('SignatureValue').textContent = base64Encode(new Uint8Array(value));
  return serializeXml(doc);
}

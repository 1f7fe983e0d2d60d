// Signed AuthnRequests from edge-sso as the SP: when the IdP's metadata says
// WantAuthnRequestsSigned="true" (or the source sets sign_authn_requests), the HTTP-Redirect
// request carries SigAlg and a Signature over the exact query string (SAML Bindings §3.4.4.1), the
// HTTP-POST one an enveloped signature; the SP metadata says AuthnRequestsSigned="true" and
// publishes the signing certificate (a key of its own, not the encryption key). Checked here
// with edge-sso's IdP-side verifiers; pysaml2 verifies them in test/e2e/saml-source.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { parseXml, verifyEnvelopedSignature, type XmlElement } from '../../../src/lib/xml';
import { verifyRedirectSignature } from '../../../src/saml/redirect-signature';
import { Browser, call } from '../../helpers';
import { createSource, idpMetadata, IDP_SSO, testKey, type TestKey } from './idp';

let idp: TestKey;

beforeAll(async () => {
  idp = await testKey('idp wanting signed requests');
});

/** The SP metadata of a source: AuthnRequestsSigned and its certificates by use. */
async function spMetadata(source: Record<string, any>) {
  const xml = await (await call(new URL(source.sp_metadata_url).pathname)).text();
  const certificate = (use: string) => new RegExp(`<md:KeyDescriptor use="${use}">\\s*<ds:KeyInfo><ds:X509Data><ds:X509Certificate>([^<]+)<`).exec(xml)?.[1];
  return { signed: /AuthnRequestsSigned="(\w+)"/.exec(xml)?.[1], signing: certificate('signing'), encryption: certificate('encryption') };
}

async function redirectStart(slug: string) {
  const res = await new Browser().fetch(`/federation/${slug}/start`);
  expect(res.status).toBe(303);
  return res.headers.get('location')!;
}

describe('SAML source: signed AuthnRequests', () => {
  it('an IdP whose metadata wants signed requests gets an HTTP-Redirect request signed over the exact query string', async () => {
    const source = await createSource([idp.certificate], { metadata_xml: idpMetadata([idp.certificate], { wantSigned: true }) });
    const sp = await spMetadata(source);
    expect(sp.signed).toBe('true');
    expect(sp.signing).toMatch(/^MII/);
    expect(sp.signing).not.toBe(sp.encryption);

    const location = await redirectStart(source.slug);
    expect(location.startsWith(`${IDP_SSO}?SAMLRequest=`)).toBe(true);
    const query = location.slice(location.indexOf('?') + 1);
    expect(query).toMatch(/^SAMLRequest=[^&]+&RelayState=[^&]+&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256&Signature=[^&]+$/);
    expect(await verifyRedirectSignature(query, [sp.signing!])).toEqual({ kind: 'valid' });
    // The signature covers RelayState: changed, it no longer verifies; nor with the encryption certificate.
    expect((await verifyRedirectSignature(query.replace(/RelayState=[^&]/, 'RelayState=x'), [sp.signing!])).kind).toBe('invalid');
    expect((await verifyRedirectSignature(query, [sp.encryption!])).kind).toBe('invalid');
  });

  it('an IdP offering only HTTP-POST gets an enveloped signature (after the Issuer) that verifies with the SP signing certificate', async () => {
    const source = await createSource([idp.certificate], { metadata_xml: idpMetadata([idp.certificate], { wantSigned: true, redirect: false, post: true }) });
    const sp = await spMetadata(source);
    const res = await new Browser().fetch(`/federation/${source.slug}/start`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`action="${IDP_SSO}/post"`);
    const encoded = /name="SAMLRequest" value="([^"]+)"/.exec(html)![1]!;
    const root = parseXml(new TextDecoder().decode(Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0)))).documentElement as XmlElement;
    const kids = Array.from(root.childNodes).filter((n): n is XmlElement => n.nodeType === 1).map((n) => n.localName);
    expect(kids.slice(0, 2)).toEqual(['Issuer', 'Signature']);
    await expect(verifyEnvelopedSignature(root, { certificates: [sp.signing!] })).resolves.toBeTruthy();
    await expect(verifyEnvelopedSignature(root, { certificates: [sp.encryption!] })).rejects.toThrow();
  });

  it('unsigned by default; sign_authn_requests on the source signs them even when the metadata does not ask', async () => {
    const plain = await createSource([idp.certificate]);
    expect((await spMetadata(plain)).signed).toBe('false');
    expect(await redirectStart(plain.slug)).not.toContain('Signature=');

    const forced = await createSource([idp.certificate], { sign_authn_requests: true });
    const sp = await spMetadata(forced);
    expect(sp.signed).toBe('true');
    const location = await redirectStart(forced.slug);
    expect(await verifyRedirectSignature(location.slice(location.indexOf('?') + 1), [sp.signing!])).toEqual({ kind: 'valid' });
  });
});

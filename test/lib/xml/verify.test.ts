import { describe, expect, it } from 'vitest';
import {
  NS,
  XmlSecurityError,
  childElements,
  parseXml,
  serializeXml,
  signEnveloped,
  textOf,
  verifyEnvelopedSignature,
  type XmlElement,
} from '../../../src/lib/xml';
import * as fx from './fixtures/fixtures';

const assertionOf = (xml: string): XmlElement => {
  const response = parseXml(xml).documentElement!;
  return childElements(response, NS.saml, 'Assertion')[0]!;
};
const verify = (xml: string, options: { certificates?: string[]; allowSha1?: boolean } = {}) =>
  verifyEnvelopedSignature(assertionOf(xml), { certificates: options.certificates ?? [fx.IDP_CERT], allowSha1: options.allowSha1 });
const refuses = async (xml: string, reason: RegExp, options?: { certificates?: string[]; allowSha1?: boolean }) => {
  const error = await verify(xml, options).then(() => null, (e) => e);
  expect(error, 'expected a refusal').toBeInstanceOf(XmlSecurityError);
  expect((error as XmlSecurityError).reason).toMatch(reason);
};

describe('verifyEnvelopedSignature against signatures made by xmlsec1', () => {
  it('verifies RSA-SHA256 and RSA-SHA512, returning the very element it verified', async () => {
    for (const xml of [fx.SIGNED_SHA256, fx.SIGNED_SHA512]) {
      const assertion = assertionOf(xml);
      const verified = await verifyEnvelopedSignature(assertion, { certificates: [fx.IDP_CERT] });
      expect(verified).toBe(assertion);
      const nameId = verified.getElementsByTagNameNS(NS.saml, 'NameID')[0]!;
      expect(textOf(nameId)).toBe('alice-persistent-id');
    }
  });

  it('verifies with an InclusiveNamespaces PrefixList and with exc-c14n#WithComments', async () => {
    await expect(verify(fx.SIGNED_PREFIXLIST)).resolves.toBeTruthy();
    await expect(verify(fx.SIGNED_WITHCOMMENTS)).resolves.toBeTruthy();
  });

  it('accepts any one of several trusted certificates (an overlapping rollover)', async () => {
    await expect(verify(fx.SIGNED_SHA256, { certificates: [fx.OTHER_CERT, fx.IDP_CERT] })).resolves.toBeTruthy();
  });

  it('refuses SHA-1 unless the caller allows it', async () => {
    await refuses(fx.SIGNED_SHA1, /SHA-1/);
    await expect(verify(fx.SIGNED_SHA1, { allowSha1: true })).resolves.toBeTruthy();
  });

  it('refuses a certificate the caller did not trust, whatever KeyInfo carries', async () => {
    await refuses(fx.SIGNED_SHA256, /trusted certificate/, { certificates: [fx.OTHER_CERT] });
    await refuses(fx.SIGNED_SHA256, /no trusted certificate/, { certificates: [] });
  });

  it('refuses a NameID changed after signing, even by one character', async () => {
    await refuses(fx.SIGNED_SHA256.replace('alice-persistent-id', 'alice-persistent-iD'), /digest/);
  });

  it('ignores a comment inside a signed value for the digest, and textOf reads the whole value', async () => {
    // Comments are not signed (#id references drop them), so a comment may be inserted; it must never
    // shorten what is read: "alice-persistent-id" stays whole, not "alice".
    const xml = fx.SIGNED_SHA256.replace('alice-persistent-id', 'alice<!-- x -->-persistent-id');
    const assertion = await verify(xml);
    expect(textOf(assertion.getElementsByTagNameNS(NS.saml, 'NameID')[0]!)).toBe('alice-persistent-id');
  });

  it('refuses structures the SAML profile does not use (the published bypasses)', async () => {
    const xml = fx.SIGNED_SHA256;
    const signedInfo = /<ds:SignedInfo>[\s\S]*?<\/ds:SignedInfo>/.exec(xml)![0];
    // CVE-2025-29774: a second SignedInfo.
    await refuses(xml.replace(signedInfo, signedInfo + signedInfo), /unexpected element|SignatureValue/);
    // CVE-2025-29775: a comment inside DigestValue.
    await refuses(xml.replace(/<ds:DigestValue>([^<]{4})/, '<ds:DigestValue>$1<!--x-->'), /plain text/);
    // An Object in the Signature (a place to hide a signed copy).
    await refuses(xml.replace('</ds:KeyInfo>', '</ds:KeyInfo><ds:Object><x/></ds:Object>'), /unexpected element/);
    // A Reference to another element.
    await refuses(xml.replace('URI="#_assert1"', 'URI="#_resp1"'), /reference/);
    await refuses(xml.replace('URI="#_assert1"', 'URI=""'), /reference/);
    // Two References.
    const reference = /<ds:Reference[\s\S]*?<\/ds:Reference>/.exec(xml)![0];
    await refuses(xml.replace(reference, reference + reference), /unexpected element/);
    // An extra transform (XSLT/XPath) or a missing enveloped-signature transform.
    await refuses(
      xml.replace('</ds:Transforms>', '<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"/></ds:Transforms>'),
      /unexpected element/,
    );
    await refuses(xml.replace(/<ds:Transform Algorithm="http:\/\/www.w3.org\/2000\/09\/xmldsig#enveloped-signature"\/>/, ''), /enveloped|canonicalization/);
    // Inclusive c14n, HMAC.
    await refuses(xml.replace(/CanonicalizationMethod Algorithm="[^"]+"/, 'CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"'), /canonicalization/);
    await refuses(xml.replace(/SignatureMethod Algorithm="[^"]+"/, 'SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1"'), /unsupported/);
    // A duplicate ID elsewhere in the document (an ID lookup would be ambiguous).
    await refuses(xml.replace('<samlp:Status>', '<x ID="_assert1"/><samlp:Status>'), /unique/);
    // Two signatures on the element.
    const signature = /<ds:Signature[\s\S]*?<\/ds:Signature>/.exec(xml)![0];
    await refuses(xml.replace(signature, signature + signature), /more than one Signature/);
  });

  it('refuses an unsigned element', async () => {
    const signature = /<ds:Signature[\s\S]*?<\/ds:Signature>/.exec(fx.SIGNED_SHA256)![0];
    await refuses(fx.SIGNED_SHA256.replace(signature, ''), /not signed/);
  });
});

describe('signEnveloped', () => {
  it('signs so that the verifier accepts it after serializing and parsing again', async () => {
    const keys = (await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const { selfSignedCertificate, base64Encode } = await import('../../../src/lib/xml');
    const cert = base64Encode(
      await selfSignedCertificate({
        commonName: 'test',
        publicKey: keys.publicKey,
        privateKey: keys.privateKey,
        notBefore: new Date('2026-01-01T00:00:00Z'),
        notAfter: new Date('2036-01-01T00:00:00Z'),
        serial: new Uint8Array([1, 2, 3]),
      }),
    );
    const doc = parseXml(
      '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r"><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a"><saml:Issuer>me</saml:Issuer><saml:Subject><saml:NameID>bob &amp; co</saml:NameID></saml:Subject></saml:Assertion></samlp:Response>',
    );
    const assertion = doc.getElementsByTagNameNS(NS.saml, 'Assertion')[0]!;
    const issuer = assertion.getElementsByTagNameNS(NS.saml, 'Issuer')[0]!;
    await signEnveloped(assertion, { privateKey: keys.privateKey, certificate: cert, insertBefore: issuer.nextSibling });
    const xml = serializeXml(doc);
    expect(xml).toMatch(/<saml:Issuer>me<\/saml:Issuer><ds:Signature/);
    await expect(verifyEnvelopedSignature(assertionOf(xml), { certificates: [cert] })).resolves.toBeTruthy();
    await expect(verifyEnvelopedSignature(assertionOf(xml.replace('bob', 'eve')), { certificates: [cert] })).rejects.toThrow(/digest/);
  });
});

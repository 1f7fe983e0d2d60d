// The XML core's signatures checked by an independent implementation: xmlsec1 (Debian xmlsec1)
// verifies what signEnveloped produced, with the certificate selfSignedCertificate made.
// Runs in Node (WebCrypto is the same API as in workerd); no worker needed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NS, base64Encode, parseXml, selfSignedCertificate, serializeXml, signEnveloped } from '../../src/lib/xml';

const dir = mkdtempSync(join(tmpdir(), 'xml-xmlsec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pem = (der: string) => `-----BEGIN CERTIFICATE-----\n${der.replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;

function xmlsecVerify(xml: string, certPem: string): { status: number | null; output: string } {
  writeFileSync(join(dir, 'signed.xml'), xml);
  writeFileSync(join(dir, 'cert.pem'), certPem);
  const run = spawnSync('xmlsec1', [
    '--verify', '--pubkey-cert-pem', join(dir, 'cert.pem'),
    '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:assertion:Assertion',
    join(dir, 'signed.xml'),
  ], { encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr };
}

describe('signEnveloped, verified by xmlsec1', () => {
  it('produces an assertion signature xmlsec1 accepts, and xmlsec1 refuses it once altered', async () => {
    const keys = await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true, ['sign', 'verify'],
    );
    const cert = base64Encode(await selfSignedCertificate({
      commonName: 'edge-sso test', publicKey: keys.publicKey, privateKey: keys.privateKey,
      notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000), serial: new Uint8Array([7, 1]),
    }));
    const doc = parseXml(
      '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1">' +
      '<saml:Assertion ID="_a1" Version="2.0"><saml:Issuer>https://sso.example</saml:Issuer>' +
      '<saml:Subject><saml:NameID>carol@example.org</saml:NameID></saml:Subject>' +
      '<saml:AttributeStatement><saml:Attribute Name="n"><saml:AttributeValue>&lt;a &amp; "b"&gt;\t</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>' +
      '</saml:Assertion></samlp:Response>',
    );
    const assertion = doc.getElementsByTagNameNS(NS.saml, 'Assertion')[0]!;
    await signEnveloped(assertion, { privateKey: keys.privateKey, certificate: cert, insertBefore: assertion.firstChild!.nextSibling });
    const xml = serializeXml(doc);

    const good = xmlsecVerify(xml, pem(cert));
    expect(good.output).toContain('OK');
    expect(good.status).toBe(0);
    const bad = xmlsecVerify(xml.replace('carol@', 'mallory@'), pem(cert));
    expect(bad.status).not.toBe(0);
  });
});

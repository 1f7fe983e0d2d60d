import { describe, expect, it } from 'vitest';
import { NS, XmlSecurityError, decryptElement, parseXml, textOf, verifyEnvelopedSignature } from '../../../src/lib/xml';
import * as fx from './fixtures/fixtures';

const pkcs8 = (pem: string) => {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
};

describe('decryptElement (EncryptedAssertion made by xmlsec1)', () => {
  it('decrypts AES-128-GCM and AES-256-CBC content under RSA-OAEP, and the assertion inside verifies', async () => {
    for (const xml of [fx.ENCRYPTED_GCM, fx.ENCRYPTED_CBC]) {
      const container = parseXml(xml).documentElement!;
      const assertion = await decryptElement(container, pkcs8(fx.SP_KEY_PEM));
      expect(assertion.localName).toBe('Assertion');
      const verified = await verifyEnvelopedSignature(assertion, { certificates: [fx.IDP_CERT] });
      expect(textOf(verified.getElementsByTagNameNS(NS.saml, 'NameID')[0]!)).toBe('alice-persistent-id');
    }
  });

  it('refuses another private key, tampered ciphertext and RSA PKCS#1 v1.5 key transport, all alike', async () => {
    const other = pkcs8(fx.OTHER_KEY_PEM);
    const cases = [
      { xml: fx.ENCRYPTED_GCM, key: other },
      { xml: fx.ENCRYPTED_CBC, key: other },
      { xml: fx.ENCRYPTED_GCM.replace(/(<xenc:CipherValue>[\s\S]*<xenc:CipherValue>)(.)/, (_, a, c) => a + (c === 'A' ? 'B' : 'A')), key: pkcs8(fx.SP_KEY_PEM) },
      { xml: fx.ENCRYPTED_GCM.replace('xmlenc#rsa-oaep-mgf1p', 'xmlenc#rsa-1_5'), key: pkcs8(fx.SP_KEY_PEM) },
    ];
    for (const { xml, key } of cases) {
      const error = await decryptElement(parseXml(xml).documentElement!, key).then(() => null, (e) => e);
      expect(error).toBeInstanceOf(XmlSecurityError);
      expect((error as XmlSecurityError).reason).toBe('encrypted element cannot be decrypted');
    }
  });
});

import { describe, expect, it } from 'vitest';
import { parseXml, XmlSecurityError } from '../../../src/lib/xml';

const refused = (text: string, reason: RegExp, limits?: Parameters<typeof parseXml>[1]) => {
  expect(() => parseXml(text, limits)).toThrow(XmlSecurityError);
  expect(() => parseXml(text, limits)).toThrow(reason);
};

describe('parseXml', () => {
  it('parses a plain document with an XML declaration, a BOM and CDATA', () => {
    const doc = parseXml('\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<a x="1"><b><![CDATA[<c>]]></b></a>');
    expect(doc.documentElement!.getAttribute('x')).toBe('1');
  });

  it('refuses DTDs, entity declarations and the billion laughs before parsing', () => {
    refused('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', /DTD/);
    refused('<?xml version="1.0"?><!DOCTYPE a SYSTEM "http://127.0.0.1/x.dtd"><a/>', /DTD/);
    refused('<a><!ENTITY x "y"></a>', /DTD/);
    const lol = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>';
    refused(lol, /DTD/);
    refused('<a>\n<!doctype a></a>', /DTD/);
  });

  it('refuses processing instructions anywhere but the leading XML declaration', () => {
    refused('<?xml-stylesheet href="x"?><a/>', /processing/);
    refused('<a><?php echo 1 ?></a>', /processing/);
    refused('<a/><?pi?>', /processing/);
  });

  it('refuses undefined entities, several roots, malformed input and empty input', () => {
    refused('<a>&foo;</a>', /malformed/);
    refused('<a/><b/>', /malformed|root/);
    refused('<a><b></a>', /malformed/);
    refused('<a x="1" x="2"/>', /malformed/);
    refused('<p:a/>', /malformed/);
    refused('', /empty/);
    refused('just text', /malformed|root/);
  });

  it('caps size, depth and node count', () => {
    refused(`<a>${'x'.repeat(100)}</a>`, /too large/, { maxLength: 50 });
    refused('<a>'.repeat(70) + '</a>'.repeat(70), /too deep/);
    refused(`<a>${'<b/>'.repeat(30)}</a>`, /too many/, { maxNodes: 20 });
  });
});

// The directory client's pure parts, property-based where input is hostile: BER elements round
// trip and malformed bytes are refused with a BerError (never a crash); a login escaped into a
// filter is always one literal value, whatever it holds; group DNs map to their CN.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BerError, children, decodeInteger, decodeString, encodeLength, integer, octets, readElement, requireElement, sequence, TAG, utf8 } from '../../src/federation/ldap/ber';
import { escapeDnValue, firstRdn, groupName } from '../../src/federation/ldap/dn';
import { encodeFilter, escapeFilterValue, FilterError, parseFilter, userFilter, checkFilterTemplate, type Filter } from '../../src/federation/ldap/filter';
import { bindRequest, decodeMessage, OP, readMessage, searchRequest, startTlsRequest, STARTTLS_OID } from '../../src/federation/ldap/messages';

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

describe('BER', () => {
  it('integers round trip, minimal and two’s complement', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), (n) => {
        const element = requireElement(integer(n), 0, TAG.integer);
        expect(decodeInteger(element.contents)).toBe(n);
        // Minimal: no leading 0x00 before a byte without its top bit, no 0xff before one with it.
        const c = element.contents;
        if (c.length > 1) expect((c[0] === 0x00 && c[1]! < 0x80) || (c[0] === 0xff && c[1]! >= 0x80)).toBe(false);
      }),
      { numRuns: 2000 },
    );
    expect(hex(integer(0))).toBe('020100');
    expect(hex(integer(128))).toBe('02020080');
    expect(hex(integer(-1))).toBe('0201ff');
  });

  it('octet strings of any length round trip (short and long length forms)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (text) => {
        const element = requireElement(octets(text), 0, TAG.octetString);
        expect(decodeString(element.contents)).toBe(text);
        expect(element.end).toBe(octets(text).length);
      }),
      { numRuns: 1000 },
    );
    expect(hex(encodeLength(127))).toBe('7f');
    expect(hex(encodeLength(128))).toBe('8180');
    expect(hex(encodeLength(256))).toBe('820100');
  });

  it('nested sequences round trip', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 300 }), { maxLength: 20 }), (items) => {
        const encoded = sequence(items.map((i) => octets(i)));
        expect(children(requireElement(encoded, 0, TAG.sequence).contents).map((e) => decodeString(e.contents))).toEqual(items);
      }),
    );
  });

  it('a truncated element is "need more bytes", never a wrong answer', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.nat(), (text, cut) => {
        const encoded = sequence([octets(text), integer(7)]);
        const at = cut % encoded.length;
        expect(readElement(encoded.subarray(0, at))).toBeNull();
      }),
    );
  });

  it('hostile bytes are refused with BerError or read as an element inside the input; nothing else is thrown', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          const element = readElement(bytes);
          if (element) expect(element.end).toBeLessThanOrEqual(bytes.length);
          const message = readMessage(bytes);
          if (message) expect(message.end).toBeLessThanOrEqual(bytes.length);
        } catch (error) {
          expect(error).toBeInstanceOf(BerError);
        }
      }),
      { numRuns: 5000 },
    );
    expect(() => readElement(Uint8Array.of(0x30, 0x80, 0, 0))).toThrow(/indefinite/);
    expect(() => readElement(Uint8Array.of(0x04, 0x84, 0x7f, 0xff, 0xff, 0xff))).toThrow(/too long/);
  });
});

describe('LDAP messages', () => {
  it('a simple bind request is LDAPMessage { id, [APPLICATION 0] { 3, dn, [0] password } }', () => {
    const encoded = bindRequest(1, 'cn=a', 'pw');
    expect(hex(encoded)).toBe('3012020101600d020103' + '0404636e3d61' + '80027077');
  });

  it('StartTLS is the extended request 1.3.6.1.4.1.1466.20037', () => {
    const message = requireElement(startTlsRequest(5), 0, TAG.sequence);
    const [id, op] = children(message.contents);
    expect(decodeInteger(id!.contents)).toBe(5);
    expect(op!.tag).toBe(OP.extendedRequest);
    const [name] = children(op!.contents);
    expect(name!.tag).toBe(0x80);
    expect(decodeString(name!.contents)).toBe(STARTTLS_OID);
  });

  it('search requests carry base, subtree scope, size limit, filter and attributes', () => {
    const filter: Filter = { equal: ['uid', utf8('alice')] };
    const message = requireElement(searchRequest(2, { base: 'dc=x', scope: 2, filter, attributes: ['mail', 'cn'], sizeLimit: 2, timeLimitSeconds: 5 }), 0, TAG.sequence);
    const [, op] = children(message.contents);
    const [base, scope, deref, size, time, typesOnly, f, attrs] = children(op!.contents);
    expect(decodeString(base!.contents)).toBe('dc=x');
    expect([decodeInteger(scope!.contents), decodeInteger(deref!.contents), decodeInteger(size!.contents), decodeInteger(time!.contents)]).toEqual([2, 0, 2, 5]);
    expect(typesOnly!.contents[0]).toBe(0);
    expect(hex(f!.contents)).toBe(hex(encodeFilter(filter).subarray(2)));
    expect(children(attrs!.contents).map((a) => decodeString(a.contents))).toEqual(['mail', 'cn']);
  });

  it('decodes a search entry with its attributes, and a result', () => {
    const entry = sequence([integer(3), sequence([octets('uid=a,dc=x'), sequence([sequence([octets('mail'), sequence([octets('a@x')], TAG.set)])])], OP.searchResultEntry)]);
    const decoded = decodeMessage(requireElement(entry));
    expect(decoded.kind).toBe('entry');
    if (decoded.kind === 'entry') {
      expect(decoded.entry.dn).toBe('uid=a,dc=x');
      expect(decodeString(decoded.entry.attributes.get('mail')![0]!)).toBe('a@x');
    }
    const done = sequence([integer(3), sequence([requireElement(Uint8Array.of(0x0a, 1, 49)) && Uint8Array.of(0x0a, 1, 49), octets(''), octets('bad')], OP.bindResponse)]);
    expect(decodeMessage(requireElement(done))).toMatchObject({ id: 3, kind: 'result', result: { code: 49, diagnostic: 'bad' } });
  });
});

describe('filters (RFC 4515)', () => {
  it('escapes the five special characters', () => {
    expect(escapeFilterValue('*)(uid=*')).toBe('\\2a\\29\\28uid=\\2a');
    expect(escapeFilterValue('a\\b\u0000')).toBe('a\\5cb\\00');
  });

  it('any login, escaped into any template position, is exactly one literal equality value', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('*', '(', ')', '\\', '\u0000', '=', '|', '&', '!', 'a', 'é', '🙂', ' ', ':', '~', '>', '<') as never, maxLength: 40 }), (login: string) => {
        const filter = userFilter('(|(uid={login})(mail={login}))', login);
        expect(filter).toEqual({ or: [{ equal: ['uid', utf8(login)] }, { equal: ['mail', utf8(login)] }] });
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (login) => {
        expect(userFilter('(sAMAccountName={login})', login)).toEqual({ equal: ['sAMAccountName', utf8(login)] });
      }),
      { numRuns: 2000 },
    );
  });

  it('the classic injection is a literal: no presence test, no extra branch', () => {
    expect(userFilter('(uid={login})', '*)(uid=*')).toEqual({ equal: ['uid', utf8('*)(uid=*')] });
    expect(userFilter('(&(objectClass=person)(uid={login}))', 'x)(|(objectClass=*')).toEqual({ and: [{ equal: ['objectClass', utf8('person')] }, { equal: ['uid', utf8('x)(|(objectClass=*')] }] });
  });

  it('parses the admin’s filters: and/or/not, presence, substrings, extensible matches', () => {
    expect(parseFilter('(objectClass=*)')).toEqual({ present: 'objectClass' });
    expect(parseFilter('(!(cn=a*b*c))')).toEqual({ not: { substrings: { attribute: 'cn', initial: utf8('a'), any: [utf8('b')], final: utf8('c') } } });
    expect(parseFilter('(member:1.2.840.113556.1.4.1941:=cn=x)')).toEqual({ extensible: { attribute: 'member', rule: '1.2.840.113556.1.4.1941', value: utf8('cn=x'), dn: false } });
    expect(parseFilter('(userAccountControl:1.2.840.113556.1.4.803:=2)')).toMatchObject({ extensible: { rule: '1.2.840.113556.1.4.803' } });
    expect(parseFilter('(cn=\\28x\\29)')).toEqual({ equal: ['cn', utf8('(x)')] });
  });

  it('refuses malformed filters with a FilterError, never anything else', () => {
    for (const bad of ['', 'uid=a', '(uid=a', '(uid=a))', '(=a)', '(&)', '(uid=a\\zz)', '(uid~a)', '(uid=a(b)']) {
      expect(() => parseFilter(bad), bad).toThrow(FilterError);
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        try {
          encodeFilter(parseFilter(text));
        } catch (error) {
          expect(error).toBeInstanceOf(FilterError);
        }
      }),
      { numRuns: 3000 },
    );
    expect(checkFilterTemplate('(uid=alice)')).toMatch(/\{login\}/);
    expect(checkFilterTemplate('(uid={login}')).toMatch(/not a valid LDAP filter/);
    expect(checkFilterTemplate('(|(uid={login})(mail={login}))')).toBeNull();
  });
});

describe('DNs (RFC 4514)', () => {
  it('a group DN maps to its CN, with escapes undone', () => {
    expect(groupName('cn=Developers,ou=groups,dc=example,dc=com')).toBe('Developers');
    expect(groupName('CN=R\\26D\\, Europe,OU=Groups,DC=corp')).toBe('R&D, Europe');
    expect(groupName('ou=NotAGroup,dc=x')).toBe('ou=NotAGroup,dc=x');
  });

  it('escaping a value and reading it back is the identity', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 60 }).filter((s) => s.trim() === s && s.trim() !== ''), (value) => {
        expect(firstRdn(`cn=${escapeDnValue(value)},dc=example,dc=com`)).toEqual({ type: 'cn', value });
      }),
      { numRuns: 2000 },
    );
  });
});

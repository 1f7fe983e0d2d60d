// Message building: multipart/alternative with mimetext, Message-ID on the issuer's host, Date,
// RFC 2047 encoded names and subjects (non-ASCII), and the branded bodies.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { brandedMessage } from '../../src/email/branded';
import { buildMessage, encodeHeaderText, encodeMailbox, isMailAddress, senderFrom } from '../../src/email/message';
import { DEFAULT_BRANDING } from '../../src/policy/branding';

const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
/** Undoes RFC 2047 B-encoding the way a mail reader does: adjacent words join without the folding space. */
const decodeWords = (value: string) =>
  value.replace(/\?=\r\n (?==\?)/g, '?=').replace(/=\?UTF-8\?B\?([^?]*)\?=/g, (_, b64: string) => String.fromCharCode(...bytes(b64)));
const utf8 = (latin1: string) => new TextDecoder().decode(Uint8Array.from(latin1, (c) => c.charCodeAt(0)));

function headersOf(raw: string): Map<string, string> {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
  const map = new Map<string, string>();
  for (const line of head.split(/\r\n(?![ \t])/)) {
    const i = line.indexOf(':');
    map.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  return map;
}

const base = {
  from: { name: 'edge-sso', address: 'no-reply@sso.example.com' },
  to: 'ada@example.com',
  subject: 'Reset your password',
  text: 'Hello Ada',
  html: '<p>Hello Ada</p>',
  issuer: 'https://sso.example.com',
  now: new Date(Date.UTC(2026, 10, 28, 9, 5, 7)),
  uniquePart: 'abc123',
};

describe('buildMessage', () => {
  it('writes multipart/alternative with a text and an HTML part, base64 and UTF-8', () => {
    const message = buildMessage({ ...base, text: 'Grüße, Ada', html: '<p>Grüße</p>' });
    const headers = headersOf(message.raw);
    const boundary = /boundary=(\S+)/.exec(headers.get('content-type')!)![1]!;
    expect(headers.get('content-type')).toMatch(/^multipart\/alternative; boundary=/);
    expect(headers.get('mime-version')).toBe('1.0');
    const parts = message.raw.split(`--${boundary}`).slice(1, -1);
    expect(parts).toHaveLength(2);
    expect(parts[0]).toContain('Content-Type: text/plain; charset=UTF-8');
    expect(parts[1]).toContain('Content-Type: text/html; charset=UTF-8');
    for (const part of parts) expect(part).toContain('Content-Transfer-Encoding: base64');
    const text = parts[0]!.split('\r\n\r\n')[1]!.replace(/\s+/g, '');
    expect(utf8(atob(text))).toBe('Grüße, Ada');
    expect(message.raw.endsWith(`--${boundary}--`)).toBe(true);
  });

  it('sets Message-ID on the issuer host and an RFC 5322 Date', () => {
    const headers = headersOf(buildMessage(base).raw);
    expect(headers.get('message-id')).toBe('<abc123@sso.example.com>');
    expect(headers.get('date')).toBe('Sat, 28 Nov 2026 09:05:07 +0000');
  });

  it('makes a random 128-bit Message-ID when none is given', () => {
    const a = buildMessage({ ...base, uniquePart: undefined });
    const b = buildMessage({ ...base, uniquePart: undefined });
    expect(a.messageId).toMatch(/^<[0-9a-f]{32}@sso\.example\.com>$/);
    expect(a.messageId).not.toBe(b.messageId);
  });

  it('encodes a non-ASCII sender name and subject (RFC 2047) and keeps every header line 7-bit', () => {
    const message = buildMessage({ ...base, from: { name: 'Müller & Søn — Anmeldung', address: 'no-reply@sso.example.com' }, subject: 'Willkommen bei Zürich ✓ 日本語' });
    const headers = headersOf(message.raw);
    expect(headers.get('from')).toMatch(/^=\?UTF-8\?B\?.+\?= <no-reply@sso\.example\.com>$/);
    expect(utf8(decodeWords(headers.get('from')!))).toBe('Müller & Søn — Anmeldung <no-reply@sso.example.com>');
    expect(utf8(decodeWords(headers.get('subject')!))).toBe('Willkommen bei Zürich ✓ 日本語');
    expect(headers.get('to')).toBe('<ada@example.com>');
    for (const line of message.raw.split('\r\n')) expect(/^[\x20-\x7e]*$/.test(line)).toBe(true);
  });

  it('quotes an ASCII display name and leaves an ASCII subject readable', () => {
    const headers = headersOf(buildMessage({ ...base, from: { name: 'Acme "SSO"', address: 'no-reply@sso.example.com' } }).raw);
    expect(headers.get('from')).toBe('"Acme \\"SSO\\"" <no-reply@sso.example.com>');
    expect(headers.get('subject')).toBe('Reset your password');
  });

  it('refuses a recipient that is not one plain address (no header injection)', () => {
    expect(() => buildMessage({ ...base, to: 'ada@example.com\r\nBcc: eve@example.com' })).toThrow(/not an email address/);
    expect(() => buildMessage({ ...base, to: 'Ada <ada@example.com>' })).toThrow(/not an email address/);
    expect(() => buildMessage({ ...base, to: 'a@b.c, eve@x.y' })).toThrow(/not an email address/);
  });

  it('turns line breaks in a subject into spaces (no header injection)', () => {
    const headers = headersOf(buildMessage({ ...base, subject: 'Hi\r\nBcc: eve@example.com' }).raw);
    expect(headers.get('subject')).toBe('Hi Bcc: eve@example.com');
    expect(headers.has('bcc')).toBe(false);
  });
});

describe('encodeHeaderText', () => {
  it('decodes back to any text, in encoded words of at most 75 characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 120 }), (text) => {
        const clean = text.replace(/[\r\n\t]+/g, ' ').replace(/\s{2,}/g, ' ').trim();
        const encoded = encodeHeaderText(text);
        for (const line of encoded.split('\r\n')) {
          expect(/^[\x20-\x7e]*$/.test(line)).toBe(true);
          for (const word of line.trim().split(' ').filter((w) => w.startsWith('=?'))) expect(word.length).toBeLessThanOrEqual(75);
        }
        expect(encoded.startsWith('=?') ? utf8(decodeWords(encoded)) : encoded).toBe(clean);
      }),
    );
  });

  it('names a mailbox with encoded words only when the name is not ASCII', () => {
    expect(encodeMailbox('', 'a@b.co')).toBe('<a@b.co>');
    expect(encodeMailbox('Zoë', 'a@b.co')).toBe('=?UTF-8?B?Wm/Dqw==?= <a@b.co>');
  });
});

describe('senderFrom', () => {
  it('defaults to no-reply@ the issuer host, named after the product', () => {
    expect(senderFrom(undefined, 'https://sso.example.com', 'Acme')).toEqual({ name: 'Acme', address: 'no-reply@sso.example.com' });
    expect(senderFrom('', 'http://localhost:8787', 'edge-sso')).toEqual({ name: 'edge-sso', address: 'no-reply@localhost' });
  });

  it('reads EMAIL_FROM as an address or "Name <address>"', () => {
    expect(senderFrom('login@acme.com', 'https://sso.example.com', 'Acme')).toEqual({ name: 'Acme', address: 'login@acme.com' });
    expect(senderFrom('"Acme Login" <login@acme.com>', 'https://sso.example.com', 'Acme')).toEqual({ name: 'Acme Login', address: 'login@acme.com' });
  });

  it('refuses an EMAIL_FROM that is not an address, saying so', () => {
    expect(() => senderFrom('acme', 'https://sso.example.com', 'Acme')).toThrow(/EMAIL_FROM is not an email address/);
  });

  it('accepts only plain addresses', () => {
    expect(isMailAddress('ada.lovelace+sso@mail.example.co.uk')).toBe(true);
    expect(isMailAddress("o'brien_x-y=z@example.com")).toBe(true);
    for (const bad of ['', 'ada', 'ada@', '@x.y', 'a b@x.y', 'a@x.y>', 'a@x.y\n', 'jürgen@example.com', 'a<b@x.y', 'a,b@x.y', 'a@b@x.y']) expect(isMailAddress(bad)).toBe(false);
  });
});

describe('brandedMessage', () => {
  const branding = { ...DEFAULT_BRANDING, productName: 'Acme <Login>', primaryColor: '#aa3300', footerText: 'Acme Inc.', logoUrl: '/branding/logo/' + 'a'.repeat(64) + '.png' };

  it('renders the title, paragraphs, button and footer in text and HTML, escaped', () => {
    const body = brandedMessage(
      branding,
      { title: 'Set your password', paragraphs: ['Hi <b>Ada</b> & co'], action: { label: 'Set password', url: 'https://sso.example.com/invite/x?a=1&b=2' }, footnote: 'Expires in 7 days.' },
      'https://sso.example.com',
    );
    expect(body.text).toContain('Set your password\n\nHi <b>Ada</b> & co\n\nSet password:\nhttps://sso.example.com/invite/x?a=1&b=2\n');
    expect(body.text).toContain('Expires in 7 days.');
    expect(body.text).toContain('Acme <Login> · Acme Inc.');
    expect(body.html).toContain('Hi &lt;b&gt;Ada&lt;/b&gt; &amp; co');
    expect(body.html).toContain('href="https://sso.example.com/invite/x?a=1&amp;b=2"');
    expect(body.html).toContain('background:#aa3300');
    expect(body.html).toContain(`src="https://sso.example.com/branding/logo/${'a'.repeat(64)}.png"`);
    expect(body.html).toContain('alt="Acme &lt;Login&gt;"');
    expect(body.html).not.toContain('<b>Ada');
  });

  it('shows the product name instead of an uploaded logo when no base URL is known', () => {
    const body = brandedMessage(branding, { title: 'T', paragraphs: [] });
    expect(body.html).not.toContain('<img');
    expect(body.html).toContain('<strong style="font-size:18px">Acme &lt;Login&gt;</strong>');
  });

  it('refuses an action link that is not http(s)', () => {
    expect(() => brandedMessage(branding, { title: 'T', paragraphs: [], action: { label: 'x', url: 'javascript:alert(1)' } })).toThrow(/http\(s\)/);
  });
});

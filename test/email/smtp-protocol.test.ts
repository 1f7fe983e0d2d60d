// The pure pieces of the SMTP dialogue: SMTP_URL, multi-line replies, dot-stuffing, AUTH.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  authLogin,
  authPlain,
  chooseAuth,
  commandLine,
  describeSmtp,
  dotStuff,
  ehloExtensions,
  parseReplies,
  parseSmtpUrl,
  SmtpConfigError,
} from '../../src/email/smtp-protocol';

const b64decode = (s: string) => new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));

describe('SMTP_URL', () => {
  it('reads smtp:// as STARTTLS on 587 by default, with decoded credentials', () => {
    expect(parseSmtpUrl('smtp://apikey:p%40ss%3Aword@smtp.example.com')).toEqual({
      host: 'smtp.example.com',
      port: 587,
      security: 'starttls',
      username: 'apikey',
      password: 'p@ss:word',
    });
  });

  it('reads smtps:// as TLS from the first byte on 465 by default', () => {
    expect(parseSmtpUrl('smtps://u:p@smtp.example.com')).toMatchObject({ port: 465, security: 'tls' });
    expect(parseSmtpUrl('smtps://u:p@smtp.example.com:2465')).toMatchObject({ port: 2465, security: 'tls' });
  });

  it('allows plain text only to loopback hosts (the local catcher)', () => {
    expect(parseSmtpUrl('smtp://127.0.0.1:2525')).toMatchObject({ security: 'loopback', username: '' });
    expect(parseSmtpUrl('smtp://localhost:1025')).toMatchObject({ security: 'loopback' });
    expect(parseSmtpUrl('smtp://mail.internal:2525')).toMatchObject({ security: 'starttls' });
  });

  it('refuses port 25 with the reason and the ports to use', () => {
    expect(() => parseSmtpUrl('smtp://u:p@mx.example.com:25')).toThrow(SmtpConfigError);
    expect(() => parseSmtpUrl('smtp://u:p@mx.example.com:25')).toThrow(/port 25.*block.*587.*465/);
  });

  it('refuses other schemes and non-URLs with a clear message', () => {
    expect(() => parseSmtpUrl('https://smtp.example.com')).toThrow(/must start with smtp:\/\/ or smtps:\/\//);
    expect(() => parseSmtpUrl('smtp.example.com:587')).toThrow(SmtpConfigError);
    expect(() => parseSmtpUrl('not a url')).toThrow(/not a URL/);
  });

  it('is described without the password', () => {
    const text = describeSmtp(parseSmtpUrl('smtp://apikey:hunter2@smtp.example.com:587'));
    expect(text).toBe('smtp.example.com:587, STARTTLS, AUTH as apikey');
    expect(text).not.toContain('hunter2');
  });
});

describe('replies', () => {
  it('joins a multi-line EHLO reply and reads its extensions', () => {
    const { replies, rest } = parseReplies('250-mail.example.com Hello\r\n250-SIZE 35882577\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN XOAUTH2\r\n250 8BITMIME\r\n');
    expect(rest).toBe('');
    expect(replies).toHaveLength(1);
    expect(replies[0]!.code).toBe(250);
    const ext = ehloExtensions(replies[0]!);
    expect([...ext.keys()]).toEqual(['SIZE', 'STARTTLS', 'AUTH', '8BITMIME']);
    expect(chooseAuth(ext)).toBe('PLAIN');
  });

  it('keeps an unfinished reply (or line) for the next read', () => {
    const first = parseReplies('220 ready\r\n250-one\r\n250-tw');
    expect(first.replies).toEqual([{ code: 220, lines: ['ready'] }]);
    expect(first.rest).toBe('250-one\r\n250-tw');
    const second = parseReplies(first.rest + 'o\r\n250 three\r\n');
    expect(second.replies).toEqual([{ code: 250, lines: ['one', 'two', 'three'] }]);
    expect(second.rest).toBe('');
  });

  it('reads a bare code and bare LF line ends', () => {
    expect(parseReplies('250\n354 go ahead\n').replies).toEqual([
      { code: 250, lines: [''] },
      { code: 354, lines: ['go ahead'] },
    ]);
  });

  it('rejects a line that is not a reply', () => {
    expect(() => parseReplies('HTTP/1.1 400 Bad Request\r\n')).toThrow(/malformed reply/);
  });

  it('gives the same replies however the bytes are split across reads', () => {
    const stream = '220 hi\r\n250-a\r\n250-b\r\n250 c\r\n235 2.7.0 ok\r\n';
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 6 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        let buffer = '';
        const seen: unknown[] = [];
        let last = 0;
        for (const point of [...points, stream.length]) {
          const parsed = parseReplies(buffer + stream.slice(last, point));
          seen.push(...parsed.replies);
          buffer = parsed.rest;
          last = point;
        }
        expect(seen).toEqual(parseReplies(stream).replies);
        expect(buffer).toBe('');
      }),
    );
  });

  it('picks LOGIN when PLAIN is not offered, and nothing when neither is', () => {
    const login = ehloExtensions({ code: 250, lines: ['host', 'AUTH LOGIN CRAM-MD5'] });
    expect(chooseAuth(login)).toBe('LOGIN');
    expect(chooseAuth(ehloExtensions({ code: 250, lines: ['host', 'AUTH XOAUTH2'] }))).toBeNull();
    expect(chooseAuth(ehloExtensions({ code: 250, lines: ['host'] }))).toBeNull();
  });
});

describe('DATA', () => {
  it('doubles a dot at the start of any line and ends with CRLF.CRLF', () => {
    expect(dotStuff('Subject: x\r\n\r\n.hidden\r\nok\r\n.\r\n..two')).toBe('Subject: x\r\n\r\n..hidden\r\nok\r\n..\r\n...two\r\n.\r\n');
  });

  it('never lets the message end early, whatever its lines', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[.a-z ]{0,6}$/), { maxLength: 12 }), (lines) => {
        const stuffed = dotStuff([...lines, 'end'].join('\r\n'));
        expect(stuffed.endsWith('\r\n.\r\n')).toBe(true);
        // The only line that is a lone dot is the terminator; undoing the stuffing gives the lines back.
        const body = stuffed.slice(0, -'.\r\n'.length).split('\r\n').slice(0, -1);
        expect(body.includes('.')).toBe(false);
        expect(body.map((l) => (l.startsWith('.') ? l.slice(1) : l))).toEqual([...lines, 'end']);
      }),
    );
  });

  it('normalises bare LF to CRLF', () => {
    expect(dotStuff('a\nb\n')).toBe('a\r\nb\r\n.\r\n');
  });
});

describe('AUTH', () => {
  it('encodes PLAIN as NUL user NUL password in base64 (RFC 4616), UTF-8 safe', () => {
    expect(authPlain('user', 'pass')).toBe('AHVzZXIAcGFzcw==');
    expect(b64decode(authPlain('jürgen', 'pä$$ wörd'))).toBe('\u0000jürgen\u0000pä$$ wörd');
  });

  it('encodes LOGIN as the user name and the password, each in base64', () => {
    expect(authLogin('user', 'pass')).toEqual(['dXNlcg==', 'cGFzcw==']);
  });

  it('refuses a command with a line break (no smuggled commands)', () => {
    expect(() => commandLine('RCPT TO:<a@b.c>\r\nRCPT TO:<evil@x.y>')).toThrow(/line break/);
    expect(commandLine('QUIT')).toBe('QUIT\r\n');
  });
});

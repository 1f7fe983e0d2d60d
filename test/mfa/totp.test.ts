// TOTP (RFC 6238) in workerd: the RFC's SHA-1 test vectors, base32, drift and replay rules.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, matchingStep, normaliseCode, otpauthUri, totpAt, totpStep } from '../../src/mfa/totp';

const RFC_SECRET = new TextEncoder().encode('12345678901234567890') as Uint8Array<ArrayBuffer>;

describe('TOTP', () => {
  // RFC 6238 Appendix B, SHA-1 column (8 digits).
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('matches the RFC 6238 SHA-1 vector at T=%i', async (time, code) => {
    expect(await totpAt(RFC_SECRET, time, 8)).toBe(code);
    // Six digits, as authenticator apps show: the last six of the same value.
    expect(await totpAt(RFC_SECRET, time)).toBe(code.slice(2));
  });

  it('matches the RFC 4226 HOTP vectors', async () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    for (let i = 0; i < expected.length; i++) expect(await hotp(RFC_SECRET, i)).toBe(expected[i]);
  });

  it('base32 round-trips any bytes, and the RFC 4648 vector', () => {
    expect(base32Encode(new TextEncoder().encode('foobar'))).toBe('MZXW6YTBOI');
    expect(new TextDecoder().decode(base32Decode('mzxw 6ytb oi======')!)).toBe('foobar');
    expect(base32Decode('not base32!')).toBeNull();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      expect([...base32Decode(base32Encode(bytes))!]).toEqual([...bytes]);
    }));
  });

  it('accepts ±1 step of drift and refuses ±2', async () => {
    const now = 1_700_000_015;
    const step = totpStep(now);
    for (const d of [-1, 0, 1]) expect(await matchingStep(RFC_SECRET, await hotp(RFC_SECRET, step + d), now, 0)).toBe(step + d);
    for (const d of [-2, 2]) expect(await matchingStep(RFC_SECRET, await hotp(RFC_SECRET, step + d), now, 0)).toBeNull();
  });

  it('never accepts a step at or before the last one used (replay)', async () => {
    const now = 1_700_000_015;
    const step = totpStep(now);
    const code = await hotp(RFC_SECRET, step);
    expect(await matchingStep(RFC_SECRET, code, now, step)).toBeNull();
    expect(await matchingStep(RFC_SECRET, await hotp(RFC_SECRET, step - 1), now, step - 1)).toBeNull();
    expect(await matchingStep(RFC_SECRET, await hotp(RFC_SECRET, step + 1), now, step)).toBe(step + 1);
  });

  it('reads what people type', () => {
    expect(normaliseCode(' 123 456 ')).toBe('123456');
    expect(normaliseCode('123-456')).toBe('123456');
    expect(normaliseCode('12345')).toBeNull();
    expect(normaliseCode('abcdef')).toBeNull();
  });

  it('builds the otpauth:// URI authenticator apps read', () => {
    const uri = new URL(otpauthUri({ issuer: 'sso.example.com', account: 'ada@example.com', secret: 'JBSWY3DPEHPK3PXP' }));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/sso.example.com:ada@example.com');
    expect(Object.fromEntries(uri.searchParams)).toEqual({ secret: 'JBSWY3DPEHPK3PXP', issuer: 'sso.example.com', algorithm: 'SHA1', digits: '6', period: '30' });
  });
});

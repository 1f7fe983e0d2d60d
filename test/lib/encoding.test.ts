// sha256Hex names every session in KV and D1 (the hash of its cookie): its hex must be exactly
// the digest's, byte for byte, or sessions written before a change could no longer be found.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/encoding';

describe('sha256Hex', () => {
  it('gives the standard SHA-256 test vectors in lowercase hex', async () => {
    expect(await sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('is 64 hex digits, two per digest byte (leading zeros kept), for any text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme' }), async (text) => {
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
        const expected = [...digest].map((b) => (b < 16 ? '0' : '') + b.toString(16)).join('');
        expect(await sha256Hex(text)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});

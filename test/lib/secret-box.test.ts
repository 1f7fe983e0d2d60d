// Encryption at rest of app secrets and private keys: a sealed value opens only with the same
// key and for the same purpose (row), and never shows its plain text.
import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from '../../src/lib/encoding';
import { open, seal } from '../../src/lib/secret-box';

const KEK = 'test-key-encryption-key-0123456789abcdef';
const OTHER_KEK = 'another-key-encryption-key-0123456789abcd';

describe('seal and open', () => {
  it('round-trips, with a fresh IV each time', async () => {
    const secret = 'client-secret-value-0123456789';
    const a = await seal(KEK, secret, 'app-secret:one');
    const b = await seal(KEK, secret, 'app-secret:one');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(a).not.toContain(secret);
    expect(await open(KEK, a, 'app-secret:one')).toBe(secret);
    expect(await open(KEK, b, 'app-secret:one')).toBe(secret);
  });

  it('will not open a value moved to another row (purpose)', async () => {
    const sealed = await seal(KEK, 'secret of app one', 'app-secret:one');
    await expect(open(KEK, sealed, 'app-secret:two')).rejects.toThrow();
    await expect(open(KEK, sealed, 'signing-key:one')).rejects.toThrow();
  });

  it('will not open with another key-encryption key', async () => {
    const sealed = await seal(KEK, 'secret', 'app-secret:one');
    await expect(open(OTHER_KEK, sealed, 'app-secret:one')).rejects.toThrow();
  });

  it('detects tampering', async () => {
    const sealed = await seal(KEK, 'secret', 'app-secret:one');
    const [format, iv, ciphertext] = sealed.split('.');
    const flipped = ciphertext!.slice(0, -2) + (ciphertext!.at(-2) === 'A' ? 'B' : 'A') + ciphertext!.at(-1);
    await expect(open(KEK, `${format}.${iv}.${flipped}`, 'app-secret:one')).rejects.toThrow();
    await expect(open(KEK, `v2.${iv}.${ciphertext}`, 'app-secret:one')).rejects.toThrow();
    await expect(open(KEK, 'plain text', 'app-secret:one')).rejects.toThrow();
  });

  it('refuses a key-encryption key shorter than 32 characters', async () => {
    await expect(seal('too-short', 'secret', 'p')).rejects.toThrow(/32/);
  });
});

describe('constantTimeEqual', () => {
  it('compares strings of any length', async () => {
    expect(await constantTimeEqual('token', 'token')).toBe(true);
    expect(await constantTimeEqual('token', 'tokem')).toBe(false);
    expect(await constantTimeEqual('token', 'token-longer')).toBe(false);
    expect(await constantTimeEqual('', '')).toBe(true);
    expect(await constantTimeEqual('', 'x')).toBe(false);
  });
});

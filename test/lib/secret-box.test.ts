// Encryption at rest of app secrets and private keys: a sealed value opens only with the same
// key and for the same purpose (row), and never shows its plain text. During a KEK rotation the
// previous key still opens what it sealed; nothing new is sealed with it.
import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from '../../src/lib/encoding';
import { currentPrefix, open, reseal, seal } from '../../src/lib/secret-box';

const KEK = { current: 'test-key-encryption-key-0123456789abcdef' };
const OTHER_KEK = { current: 'another-key-encryption-key-0123456789abcd' };
const ROTATING = { current: OTHER_KEK.current, previous: KEK.current };

describe('seal and open', () => {
  it('round-trips, with a fresh IV each time', async () => {
    const secret = 'client-secret-value-0123456789';
    const a = await seal(KEK, secret, 'app-secret:one');
    const b = await seal(KEK, secret, 'app-secret:one');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v2\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(a.startsWith(await currentPrefix(KEK))).toBe(true);
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
    const [format, kid, iv, ciphertext] = sealed.split('.');
    const flipped = ciphertext!.slice(0, -2) + (ciphertext!.at(-2) === 'A' ? 'B' : 'A') + ciphertext!.at(-1);
    await expect(open(KEK, `${format}.${kid}.${iv}.${flipped}`, 'app-secret:one')).rejects.toThrow();
    await expect(open(KEK, `v3.${kid}.${iv}.${ciphertext}`, 'app-secret:one')).rejects.toThrow();
    await expect(open(KEK, 'plain text', 'app-secret:one')).rejects.toThrow();
  });

  it('refuses a key-encryption key shorter than 32 characters', async () => {
    await expect(seal({ current: 'too-short' }, 'secret', 'p')).rejects.toThrow(/32/);
  });
});

describe('rotating the key-encryption key', () => {
  it('opens values sealed under the previous key, and seals only with the current one', async () => {
    const old = await seal(KEK, 'secret', 'app-secret:one');
    expect(await open(ROTATING, old, 'app-secret:one')).toBe('secret');
    const fresh = await seal(ROTATING, 'secret', 'app-secret:one');
    expect(fresh.startsWith(await currentPrefix(OTHER_KEK))).toBe(true);
    await expect(open(KEK, fresh, 'app-secret:one')).rejects.toThrow();
    expect(await open(OTHER_KEK, fresh, 'app-secret:one')).toBe('secret');
  });

  it('reseal moves a value to the current key, and leaves one already there alone', async () => {
    const old = await seal(KEK, 'secret', 'app-secret:one');
    const moved = (await reseal(ROTATING, old, 'app-secret:one'))!;
    expect(await open(OTHER_KEK, moved, 'app-secret:one')).toBe('secret');
    expect(await reseal(ROTATING, moved, 'app-secret:one')).toBeNull();
  });

  it('once the previous key is removed, what only it sealed no longer opens (so re-encrypt first)', async () => {
    const old = await seal(KEK, 'secret', 'app-secret:one');
    await expect(open(OTHER_KEK, old, 'app-secret:one')).rejects.toThrow(/no longer holds/);
  });

  it('still opens v1 values (no key id) with either key', async () => {
    const v2 = await seal(KEK, 'legacy', 'app-secret:one');
    const [, , iv, ciphertext] = v2.split('.');
    expect(await open(ROTATING, `v1.${iv}.${ciphertext}`, 'app-secret:one')).toBe('legacy');
    expect(await reseal(ROTATING, `v1.${iv}.${ciphertext}`, 'app-secret:one')).toMatch(/^v2\./);
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

// Password hashing: the versioned PBKDF2 format, the Workers iteration limit, refusals of stored
// hashes that cannot be checked, and the upgrade of old hashes at sign-in.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { hashPassword, PBKDF2_ITERATIONS, verifyDummyPassword, verifyPassword } from '../../src/users/password';
import { Browser, createApp, createUser, delivered, PASSWORD } from '../helpers';

const FORMAT = /^pbkdf2-sha256\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

function b64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0)) as Uint8Array<ArrayBuffer>;
}

/** A hash string made independently of the module, with WebCrypto, at any iteration count. */
async function referenceHash(password: string, iterations: number, salt = crypto.getRandomValues(new Uint8Array(16))): Promise<string> {
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, material, 256);
  return `pbkdf2-sha256$${iterations}$${b64url(salt)}$${b64url(new Uint8Array(bits))}`;
}

async function storedHash(userId: string): Promise<string> {
  const row = await env.DB.prepare('select password_hash from users where id = ?').bind(userId).first<{ password_hash: string }>();
  return row!.password_hash;
}

async function setStoredHash(userId: string, hash: string): Promise<void> {
  await env.DB.prepare('update users set password_hash = ? where id = ?').bind(hash, userId).run();
}

describe('hashPassword', () => {
  it('produces pbkdf2-sha256$100000$<16-byte salt>$<32-byte hash>, base64url', async () => {
    const hash = await hashPassword(PASSWORD);
    const m = FORMAT.exec(hash);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBe(100_000);
    expect(fromB64url(m![2]!)).toHaveLength(16);
    expect(fromB64url(m![3]!)).toHaveLength(32);
    expect(hash).not.toContain(PASSWORD);
  });

  it('never uses more than the 100,000 iterations production Workers allow', async () => {
    expect(PBKDF2_ITERATIONS).toBeLessThanOrEqual(100_000);
    expect(PBKDF2_ITERATIONS).toBeGreaterThanOrEqual(100_000);
    for (const password of ['a', PASSWORD, 'x'.repeat(256)]) {
      expect(Number(FORMAT.exec(await hashPassword(password))![1])).toBeLessThanOrEqual(100_000);
    }
  });

  it('is standard PBKDF2-SHA256: the same salt gives the reference derivation', async () => {
    const hash = await hashPassword(PASSWORD);
    const [, , salt] = hash.split('$');
    expect(hash).toBe(await referenceHash(PASSWORD, 100_000, fromB64url(salt!)));
  });

  it('salts: two hashes of the same password differ', async () => {
    const a = await hashPassword(PASSWORD);
    const b = await hashPassword(PASSWORD);
    expect(a).not.toBe(b);
    expect(a.split('$')[2]).not.toBe(b.split('$')[2]);
  });
});

describe('verifyPassword', () => {
  it('accepts the right password and refuses a wrong one', async () => {
    const hash = await hashPassword(PASSWORD);
    expect(await verifyPassword(PASSWORD, hash)).toEqual({ ok: true, needsRehash: false });
    for (const wrong of ['', 'correct horse battery ', 'Correct horse battery', PASSWORD.slice(0, -1), `${PASSWORD}x`]) {
      expect(await verifyPassword(wrong, hash)).toEqual({ ok: false, needsRehash: false });
    }
  });

  it('handles any characters in a password', async () => {
    for (const password of ['pässwörd ✓ 密码', 'with\u0000nul', ' leading and trailing ', '$pbkdf2$$']) {
      const hash = await hashPassword(password);
      expect((await verifyPassword(password, hash)).ok).toBe(true);
      expect((await verifyPassword(`${password}!`, hash)).ok).toBe(false);
    }
  });

  it('verifies a hash with fewer iterations and says it needs rehashing', async () => {
    const old = await referenceHash(PASSWORD, 1000);
    expect(await verifyPassword(PASSWORD, old)).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword('wrong password', old)).toEqual({ ok: false, needsRehash: false });
  });

  it('refuses (ok: false) rather than throws for a stored hash above 100,000 iterations', async () => {
    // Local workerd can compute it, production Workers cannot: the module must not try.
    const tooMany = await referenceHash(PASSWORD, 200_000);
    await expect(verifyPassword(PASSWORD, tooMany)).resolves.toEqual({ ok: false, needsRehash: false });
  });

  it.each([
    ['empty', ''],
    ['plain text', PASSWORD],
    ['scheme only', 'pbkdf2-sha256'],
    ['empty parts', 'pbkdf2-sha256$$$'],
    ['another scheme', 'bcrypt$1000$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA'],
    ['upper-case scheme', 'PBKDF2-SHA256$1000$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA'],
    ['zero iterations', 'pbkdf2-sha256$0$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA'],
    ['negative iterations', 'pbkdf2-sha256$-1000$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA'],
    ['fractional iterations', 'pbkdf2-sha256$1000.5$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA'],
    ['non-numeric iterations', 'pbkdf2-sha256$many$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA'],
    ['infinite iterations', 'pbkdf2-sha256$Infinity$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA'],
    ['missing hash', 'pbkdf2-sha256$1000$c2FsdHNhbHRzYWx0c2FsdA$'],
    ['missing salt', 'pbkdf2-sha256$1000$$aGFzaA'],
    ['salt that is not base64url', 'pbkdf2-sha256$1000$!!not*base64!!$aGFzaA'],
    ['hash that is not base64url', 'pbkdf2-sha256$1000$c2FsdHNhbHRzYWx0c2FsdA$%%%%'],
  ])('refuses (ok: false) rather than throws for a malformed stored hash: %s', async (_, stored) => {
    await expect(verifyPassword(PASSWORD, stored)).resolves.toEqual({ ok: false, needsRehash: false });
  });

  it('refuses a truncated hash', async () => {
    const hash = await referenceHash(PASSWORD, 1000);
    await expect(verifyPassword(PASSWORD, hash.slice(0, -4))).resolves.toEqual({ ok: false, needsRehash: false });
  });

  it('spends a dummy verification on unknown accounts without failing', async () => {
    await expect(verifyDummyPassword(PASSWORD)).resolves.toBeUndefined();
  });
});

describe('stored hashes at sign-in', () => {
  it('upgrades a hash with old parameters to 100,000 iterations when the user signs in', async () => {
    const app = await createApp();
    const user = await createUser();
    const old = await referenceHash(PASSWORD, 1000);
    await setStoredHash(user.id, old);

    const { params } = await delivered(await new Browser().signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD));
    expect(params.id_token).toBeTruthy();

    const upgraded = await storedHash(user.id);
    expect(upgraded).not.toBe(old);
    expect(FORMAT.exec(upgraded)![1]).toBe('100000');
    expect(await verifyPassword(PASSWORD, upgraded)).toEqual({ ok: true, needsRehash: false });
    // And the user still signs in with it.
    expect((await delivered(await new Browser().signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD))).params.id_token).toBeTruthy();
  });

  it('does not change an old hash when the password typed is wrong', async () => {
    const app = await createApp();
    const user = await createUser();
    const old = await referenceHash(PASSWORD, 1000);
    await setStoredHash(user.id, old);
    expect((await new Browser().signInThrough(`/sso/jwt/${app.client_id}`, user.email, 'not the password')).status).toBe(401);
    expect(await storedHash(user.id)).toBe(old);
  });

  it('does not rewrite a current hash at sign-in', async () => {
    const app = await createApp();
    const user = await createUser();
    const before = await storedHash(user.id);
    await new Browser().signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD);
    expect(await storedHash(user.id)).toBe(before);
  });

  it.each([
    ['above the iteration limit', () => referenceHash(PASSWORD, 200_000)],
    ['with a salt that is not base64url', async () => 'pbkdf2-sha256$1000$!!not*base64!!$aGFzaA'],
  ])('refuses sign-in with the usual 401 (not a server error) for a stored hash %s', async (_, make) => {
    const app = await createApp();
    const user = await createUser();
    await setStoredHash(user.id, await make());
    const res = await new Browser().signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('The email or password is not correct.');
  });
});

// Users imported with the password hashes of another system. The fixtures are real hashes made
// by other software for the password "correct horse battery": Debian's python3-bcrypt 3.2.2,
// python3-argon2 (argon2-cffi 21.1.0) and Python's hashlib.pbkdf2_hmac written as PHC strings
// (what scripts/keycloak-to-phc.mjs makes of Keycloak's credentials). test/e2e/operations.test.ts
// makes fresh ones at run time and signs in through wrangler dev.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { parseImportedHash, verifyImportedHash } from '../../src/users/imported-hashes';
import { admin, ADMIN_TOKEN, Browser, call, createApp, delivered, PASSWORD, unique } from '../helpers';

const HASHES = {
  bcrypt_2b_10: '$2b$10$6UzHbH3n4e23QvphwCe1leGeypwoAf.lVFFTyQgNA3F1npoA1J/zW',
  bcrypt_2a_10: '$2a$10$xmvAZfwH7tZF7.CbykzQ4u4IARAx5MaugCfNqskoDvdjk6AfMJ6JG',
  // PHP's crypt() writes $2y$ for the same algorithm: the python hash above with PHP's prefix.
  bcrypt_2y_10: '$2y$10$6UzHbH3n4e23QvphwCe1leGeypwoAf.lVFFTyQgNA3F1npoA1J/zW',
  bcrypt_2b_12: '$2b$12$6lmp/7g/NU.UfQcYheVdAOjf8AfCrf0utzCteZc.z19MeTW4et4Za',
  pbkdf2_sha256: '$pbkdf2-sha256$i=27500$jHBtouW10gtmKO0qfnWx4A$G7AcoRA5NMTiUFF1hAonOadvKIjQvmyglqLfHNHt3Gs',
  pbkdf2_sha512: '$pbkdf2-sha512$i=100000$5ZMb445297iiEccVYFj80A$1ASTBmspyawF+lPcLYKT3Mqogw8CaHahMli/50sPX6qiTh+pBHTkISstD4Mm+GShbe6so7CsmJI8ucPIhBNVHw',
  argon2id_owasp: '$argon2id$v=19$m=19456,t=2,p=1$5E6fXNhRnJ6hTZ1Fe8k7CA$rXA80jL+5jQro3HkOYh1bw',
  argon2id_64mib_p4: '$argon2id$v=19$m=65536,t=3,p=4$VWiAc+4DVDqT08BJHcET3A$dQmBkzxyPg4loqF+hEpHfQ',
};

const TOO_COSTLY = {
  bcrypt_13: ['$2b$13$f5yzTxjGNErfUdQ1.Aak1ehh0nd/OG1k3eVmJoy38vSeJx05OHzWK', /cost 13 is above the limit of 12/],
  pbkdf2_210k: ['$pbkdf2-sha512$i=210000$U3Bar3UoXuPzx1739ddPoA$WsWMszn7N+H93CxmxMBMSp+MyY0gV0i5cJSOqQOAkTVdbaSq0lQAaChQpZz8iMHmBuZy+q7FTjCaSkIJbzZLAw', /100,000.*210000/],
  argon2_128mib: ['$argon2id$v=19$m=131072,t=2,p=1$gEL11KByTfKcWhTU0DdYeA$s3Xwfsq313Mnb8ZDCID66w', /m=131072 KiB is above the limit/],
  argon2i: ['$argon2i$v=19$m=102400,t=2,p=8$FYyMFmSqwVbuglYOXtjyww$HKW5IBGkhbAPPqUZhXU39A', /only Argon2id/],
} as const;

describe('imported password hashes', () => {
  it.each(Object.entries(HASHES))('%s: the right password matches, a wrong one does not', async (_name, hash) => {
    expect(parseImportedHash(hash)).not.toHaveProperty('error');
    expect(await verifyImportedHash(PASSWORD, hash)).toBe(true);
    expect(await verifyImportedHash('correct horse batterz', hash)).toBe(false);
  });

  it.each(Object.entries(TOO_COSTLY))('%s is refused with the limit it breaks', (_name, [hash, message]) => {
    const parsed = parseImportedHash(hash);
    expect(parsed).toHaveProperty('error');
    expect((parsed as { error: string }).error).toMatch(message);
  });

  it('a hash that is not one of the formats is refused, and never verifies', async () => {
    for (const text of ['$1$abc$def', '$2b$10$short', '$pbkdf2-sha256$i=abc$x$y', 'plaintext', '$argon2id$v=16$m=65536,t=3,p=4$VWiAc+4DVDqT08BJHcET3A$dQmBkzxyPg4loqF+hEpHfQ']) {
      expect(parseImportedHash(text)).toHaveProperty('error');
      expect(await verifyImportedHash(PASSWORD, text)).toBe(false);
    }
  });
});

describe('importing users with their hashes', () => {
  it('JSON import: each row reports its own error; imported users sign in and their hash is replaced by edge-sso PBKDF2', async () => {
    const app = await createApp();
    const ssoPath = `/sso/jwt/${app.client_id}`;
    const emails = Object.keys(HASHES).map((name) => `${unique(name.replace(/_/g, '-'))}@example.com`);
    const res = await admin('POST', '/users/import', {
      users: [
        ...Object.values(HASHES).map((hash, i) => ({ email: emails[i], password_hash: hash, name: 'Imported' })),
        { email: `${unique('costly')}@example.com`, password_hash: TOO_COSTLY.bcrypt_13[0] },
        { email: `${unique('both')}@example.com`, password_hash: HASHES.bcrypt_2b_10, password: 'another password' },
      ],
    });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { created: number; refused: number; rows: { line: number; created: boolean; message: string }[] };
    expect(report.created).toBe(Object.keys(HASHES).length);
    expect(report.rows.at(-2)).toMatchObject({ created: false, message: expect.stringMatching(/password_hash bcrypt cost 13 is above the limit of 12/) });
    expect(report.rows.at(-1)).toMatchObject({ created: false, message: expect.stringMatching(/not both/) });

    for (const email of emails) {
      const browser = new Browser();
      // Wrong password first: refused, and the imported hash stays.
      const wrong = await browser.signInThrough(ssoPath, email, 'not the password');
      expect(wrong.status).toBe(401);
      const { params } = await delivered(await browser.signInThrough(ssoPath, email, PASSWORD));
      expect(params.id_token, email).toBeTruthy();
      const row = await env.DB.prepare('SELECT password_hash AS h FROM users WHERE email = ?').bind(email).first<{ h: string }>();
      expect(row!.h).toMatch(/^pbkdf2-sha256\$100000\$/);
      // And the next sign-in uses edge-sso's own hash.
      expect((await delivered(await new Browser().signInThrough(ssoPath, email, PASSWORD))).params.id_token).toBeTruthy();
    }
  }, 120_000);

  it('CSV import accepts a password_hash column', { timeout: 30_000 }, async () => {
    const email = `${unique('csv')}@example.com`;
    const res = await call('/api/admin/users/import', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' },
      // Argon2 parameters contain commas: the cell is quoted, as any CSV writer does.
      body: `email,password_hash\n${email},"${HASHES.argon2id_owasp}"\n${unique('x')}@example.com,$2b$99$nope\n`,
    });
    const report = (await res.json()) as { created: number; rows: { created: boolean; message: string }[] };
    expect(report.created, JSON.stringify(report)).toBe(1);
    expect(report.rows[1]).toMatchObject({ created: false, message: expect.stringMatching(/^password_hash is not a supported hash/) });
  });
});

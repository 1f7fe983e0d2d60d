// The seam between imported password hashes (bcrypt, Argon2id, PBKDF2 from other systems) and
// sign-in protection: wrong passwords against an imported hash count toward the same account
// lockout as against edge-sso's own hash, parallel guesses cannot pass the threshold while a slow
// hash is being checked, a locked account's right password is refused without upgrading anything,
// and the right password once the lock has run out signs in and replaces the hash with edge-sso's
// PBKDF2, even when two sign-ins race for that upgrade. The threshold is lowered to 3 through the
// Worker's own variable (LOCKOUT_THRESHOLD), so the slow hashes are checked a handful of times.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { admin, Browser, hiddenFields, ORIGIN, PASSWORD, unique } from '../helpers';

const THRESHOLD = 3;
const bindings = { ...env, LOCKOUT_THRESHOLD: String(THRESHOLD) };
const GENERIC = 'The email or password is not correct.';

/** Real hashes of PASSWORD made by other software (as in test/users/imported-hashes.test.ts). */
const IMPORTED = {
  bcrypt: '$2b$10$6UzHbH3n4e23QvphwCe1leGeypwoAf.lVFFTyQgNA3F1npoA1J/zW',
  argon2id: '$argon2id$v=19$m=19456,t=2,p=1$5E6fXNhRnJ6hTZ1Fe8k7CA$rXA80jL+5jQro3HkOYh1bw',
  pbkdf2: '$pbkdf2-sha256$i=27500$jHBtouW10gtmKO0qfnWx4A$G7AcoRA5NMTiUFF1hAonOadvKIjQvmyglqLfHNHt3Gs',
};

async function send(path: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(new URL(path, ORIGIN), { redirect: 'manual', ...init }), bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

let addresses = 0;
/** One login form, from an address of its own (so only the account's lockout is in play). */
async function loginForm() {
  const ip = `198.18.7.${++addresses}`;
  const browser = new Browser(send);
  const csrf = hiddenFields(await (await browser.fetch('/login', { headers: { 'cf-connecting-ip': ip } })).text()).csrf!;
  return (email: string, password: string) =>
    browser.fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, 'cf-connecting-ip': ip },
      body: new URLSearchParams({ csrf, email, password }),
    });
}

async function importUser(hash: string): Promise<string> {
  const email = `${unique('imported')}@example.com`;
  const res = await admin('POST', '/users/import', { users: [{ email, password_hash: hash }] });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { created: number }).created).toBe(1);
  return email;
}

async function storedHash(email: string): Promise<string> {
  const row = await env.DB.prepare('select password_hash as hash from users where email = ?').bind(email).first<{ hash: string }>();
  return row!.hash;
}

async function throttleRow(email: string) {
  return env.DB.prepare('select failures, locked_until as lockedUntil from login_throttle where key = ?').bind(`email:${email}`).first<{ failures: number; lockedUntil: number }>();
}

/** What the login form answers to THRESHOLD wrong passwords and then the right one. */
async function lockOut(email: string): Promise<{ statuses: number[]; messages: (string | undefined)[] }> {
  const statuses: number[] = [];
  const messages: (string | undefined)[] = [];
  for (let i = 0; i <= THRESHOLD; i++) {
    const res = await (await loginForm())(email, i < THRESHOLD ? `wrong password ${i}` : PASSWORD);
    statuses.push(res.status);
    messages.push(/<div class="alert" role="alert">([^<]*)<\/div>/.exec(await res.text())?.[1]?.replace(/\d+ (seconds?|minutes?)/, 'N'));
  }
  return { statuses, messages };
}

/** The lock has run out (the failures stay counted, as after a real wait). */
async function lockRunsOut(email: string) {
  await env.DB.prepare('update login_throttle set locked_until = ? where key = ?').bind(Math.floor(Date.now() / 1000) - 1, `email:${email}`).run();
}

describe('imported password hashes and the account lockout', { timeout: 60_000 }, () => {
  it.each(Object.entries(IMPORTED))('%s: wrong passwords lock the account as they lock a native one; the right password after the lock upgrades the hash', async (_format, hash) => {
    const email = await importUser(hash);
    const native = `${unique('native')}@example.com`;
    expect((await admin('POST', '/users', { email: native, password: PASSWORD })).status).toBe(201);

    const imported = await lockOut(email);
    expect(imported).toEqual(await lockOut(native));
    expect(imported.statuses).toEqual([401, 401, 401, 429]);
    expect(imported.messages.slice(0, THRESHOLD)).toEqual([GENERIC, GENERIC, GENERIC]);
    expect((await throttleRow(email))!.failures).toBe(THRESHOLD);
    // Refused while locked: the hash was not even checked, so not replaced.
    expect(await storedHash(email)).toBe(hash);

    await lockRunsOut(email);
    const res = await (await loginForm())(email, PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.getSetCookie().join()).toContain('__Host-edge-sso-session=');
    expect(await storedHash(email)).toMatch(/^pbkdf2-sha256\$100000\$/);
    // The success forgot the account's failures, and the new hash keeps working.
    expect(await throttleRow(email)).toBeNull();
    expect((await (await loginForm())(email, PASSWORD)).status).toBe(303);
    expect((await (await loginForm())(email, 'wrong password')).status).toBe(401);
  });

  it('parallel wrong passwords against a slow imported hash (bcrypt) count no more than the threshold lets through', async () => {
    const email = await importUser(IMPORTED.bcrypt);
    const forms = await Promise.all(Array.from({ length: 8 }, () => loginForm()));
    const statuses = (await Promise.all(forms.map((attempt, i) => attempt(email, `wrong password ${i}`)))).map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(THRESHOLD);
    expect(statuses.filter((s) => s !== 401).every((s) => s === 429)).toBe(true);
    expect((await throttleRow(email))!.failures).toBeLessThanOrEqual(THRESHOLD);
    expect(await storedHash(email)).toBe(IMPORTED.bcrypt);
  });

  it('two first sign-ins at once with the right password both sign in, and the hash is upgraded once', async () => {
    const email = await importUser(IMPORTED.argon2id);
    const [a, b] = await Promise.all([loginForm(), loginForm()]);
    const results = await Promise.all([a!(email, PASSWORD), b!(email, PASSWORD)]);
    expect(results.map((r) => r.status)).toEqual([303, 303]);
    for (const res of results) expect(res.headers.getSetCookie().join()).toContain('__Host-edge-sso-session=');
    expect(await storedHash(email)).toMatch(/^pbkdf2-sha256\$100000\$/);
  });
});

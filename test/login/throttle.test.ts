// Sign-in protection: the pure lock rule, account lockouts that look the same whether or not the
// account exists, per-address lockouts, resets, unlocking (API and console) and the audit trail.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { settingsFrom, type LockoutPolicy } from '../../src/env';
import { lockSeconds } from '../../src/login/throttle';
import { admin, auditUntil, Browser, createApp, createUser, hiddenFields, ORIGIN, PASSWORD, unique } from '../helpers';

const SESSION = '__Host-edge-sso-session';
const GENERIC = 'The email or password is not correct.';
const POLICY: LockoutPolicy = { threshold: 30, ipThreshold: 100, waitIncrementSeconds: 60, maxWaitSeconds: 900, resetSeconds: 43_200 };

function alertText(html: string): string | undefined {
  return /<div class="alert" role="alert">([^<]*)<\/div>/.exec(html)?.[1];
}

let addresses = 0;
/** A client address of its own for each form, so the tests' failures do not add up on one address. */
const nextAddress = () => `198.18.${Math.floor(++addresses / 250)}.${(addresses % 250) + 1}`;

/** A browser on the login page, ready to post the form as often as needed. */
async function loginForm(ip: string | null = nextAddress()) {
  const browser = new Browser();
  const res = await browser.fetch('/login', { headers: ip ? { 'cf-connecting-ip': ip } : {} });
  expect(res.status).toBe(200);
  const csrf = hiddenFields(await res.text()).csrf!;
  const attempt = (email: string, password: string) =>
    browser.fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, ...(ip ? { 'cf-connecting-ip': ip } : {}) },
      body: new URLSearchParams({ csrf, email, password }),
    });
  return { browser, attempt };
}

/** `times` wrong passwords for `email`, each answered with the generic 401. */
async function fail(email: string | ((i: number) => string), times: number, ip?: string) {
  const { attempt } = await loginForm(ip);
  for (let i = 0; i < times; i++) {
    const res = await attempt(typeof email === 'string' ? email : email(i), `wrong password ${i}`);
    const html = await res.text();
    expect(res.status, `failure ${i + 1}`).toBe(401);
    expect(alertText(html)).toBe(GENERIC);
  }
}

async function expectLocked(res: Response) {
  const html = await res.text();
  expect(res.status).toBe(429);
  // A plain-language wait, singular when it is one.
  expect(alertText(html)).toMatch(/^Too many failed sign-ins\. Try again in (1 second|([2-9]|[1-5]\d) seconds|1 minute|([2-9]|\d{2,}) minutes)\.$/);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
  expect(res.headers.getSetCookie().join()).not.toContain(SESSION);
  expect(res.headers.get('location')).toBeNull();
  return { html, retryAfter };
}


describe('lockSeconds (Keycloak’s rule)', () => {
  it('locks for one more wait increment per threshold reached, capped at the maximum', () => {
    const cases: [number, number][] = [
      [0, 0],
      [1, 0],
      [29, 0],
      [30, 60],
      [31, 60],
      [59, 60],
      [60, 120],
      [89, 120],
      [90, 180],
      [449, 840],
      [450, 900],
      [451, 900],
      [100_000, 900],
    ];
    for (const [failures, seconds] of cases) expect(lockSeconds(failures, POLICY.threshold, POLICY), `${failures} failures`).toBe(seconds);
  });

  it('uses the threshold it is given (the client address one is 100)', () => {
    expect(lockSeconds(99, POLICY.ipThreshold, POLICY)).toBe(0);
    expect(lockSeconds(100, POLICY.ipThreshold, POLICY)).toBe(60);
    expect(lockSeconds(200, POLICY.ipThreshold, POLICY)).toBe(120);
  });

  it('is what the worker runs with by default', () => {
    expect(settingsFrom(env).lockout).toEqual(POLICY);
    expect(settingsFrom({} as typeof env).lockout).toEqual(POLICY);
  });
});

describe('account lockout through the login form', { timeout: 20_000 }, () => {
  it('after 30 failures refuses even the right password with 429, Retry-After and no session, then audits it', async () => {
    const user = await createUser();
    // Failures count whatever the spelling of the address.
    await fail(user.email, 15);
    await fail(user.email.toUpperCase(), 15);

    const { attempt } = await loginForm();
    const { retryAfter } = await expectLocked(await attempt(user.email, PASSWORD));
    expect(retryAfter).toBeLessThanOrEqual(60);

    // Through an app's SSO URL too: the login page keeps the flow, and no token is delivered.
    const app = await createApp();
    const browser = new Browser();
    const res = await browser.signInThrough(`/sso/jwt/${app.client_id}?state=s`, user.email, PASSWORD);
    const { html } = await expectLocked(res);
    expect(hiddenFields(html).flow).toBeTruthy();
    expect((await browser.fetch(`/sso/jwt/${app.client_id}`)).headers.get('location')).toMatch(/^\/login\?flow=/);

    const email = user.email.toLowerCase();
    const failures = await auditUntil(`type=login.failure&user=${encodeURIComponent(email)}`, (e) => e.length >= 30);
    expect(failures).toHaveLength(30);
    for (const e of failures) expect(e).toMatchObject({ actor: 'anonymous', target: email });
    // The lockout is found by the address, like the other sign-in events.
    const lockouts = await auditUntil(`type=login.lockout&user=${encodeURIComponent(email)}`, (e) => e.length > 0);
    expect(lockouts).toHaveLength(1);
    expect(lockouts[0]).toMatchObject({ actor: 'system', target: email });
    const locked = await auditUntil(`type=login.locked&user=${encodeURIComponent(email)}`, (e) => e.length >= 2);
    expect(locked).toHaveLength(2);
  });

  it('looks exactly the same for an email that has no account', async () => {
    const user = await createUser();
    const nobody = `${unique('nobody')}@example.com`;
    const answers = [];
    for (const email of [user.email, nobody]) {
      await fail(email, 30);
      const { attempt } = await loginForm();
      const res = await attempt(email, PASSWORD);
      const { html } = await expectLocked(res);
      answers.push({ status: res.status, message: alertText(html)!.replace(/\d+ (seconds?|minutes?)/, 'N') });
    }
    expect(answers[1]).toEqual(answers[0]);
    // And the API lists both the same way.
    const { lockouts } = await (await admin('GET', '/lockouts')).json<{ lockouts: { email: string; failures: number }[] }>();
    expect(lockouts.find((l) => l.email === user.email)).toMatchObject({ failures: 30 });
    expect(lockouts.find((l) => l.email === nobody)).toMatchObject({ failures: 30 });
  });

  it('locks one email, not the client address: another user from the same address signs in', async () => {
    const ip = '203.0.113.5';
    const victim = await createUser();
    const neighbour = await createUser();
    await fail(victim.email, 30, ip);
    const { attempt } = await loginForm(ip);
    await expectLocked(await attempt(victim.email, PASSWORD));
    const ok = await attempt(neighbour.email, PASSWORD);
    expect(ok.status).toBe(303);
    expect(ok.headers.getSetCookie().join()).toContain(SESSION);
    // The account stays locked from anywhere.
    await expectLocked(await (await loginForm('198.51.100.200')).attempt(victim.email, PASSWORD));
  });

  it('forgets an account’s failures when it signs in successfully before the threshold', async () => {
    const user = await createUser();
    await fail(user.email, 29);
    expect((await (await loginForm()).attempt(user.email, PASSWORD)).status).toBe(303);
    await fail(user.email, 29);
    expect((await (await loginForm()).attempt(user.email, PASSWORD)).status).toBe(303);
  });

  it('forgets failures after the quiet period (LOCKOUT_RESET_SECONDS)', async () => {
    const user = await createUser();
    await fail(user.email, 30);
    await expectLocked(await (await loginForm()).attempt(user.email, PASSWORD));
    // Time passes: the lock has run out and the last failure is older than the reset period.
    const longAgo = Math.floor(Date.now() / 1000) - POLICY.resetSeconds - 10;
    await env.DB.prepare('UPDATE login_throttle SET last_failure_at = ?, first_failure_at = ?, locked_until = ? WHERE key = ?')
      .bind(longAgo, longAgo, longAgo, `email:${user.email}`)
      .run();
    await fail(user.email, 1);
    expect((await (await loginForm()).attempt(user.email, PASSWORD)).status).toBe(303);
  });
});

describe('unlocking', { timeout: 20_000 }, () => {
  it('through the API: listed while locked, DELETE answers 204, then the user signs in; unknown addresses get 404', async () => {
    const user = await createUser();
    await fail(user.email, 30);
    const before = Date.now();
    const { lockouts } = await (await admin('GET', '/lockouts')).json<{ lockouts: { email: string; failures: number; locked_until: string }[] }>();
    const mine = lockouts.find((l) => l.email === user.email);
    expect(mine).toMatchObject({ failures: 30 });
    const until = new Date(mine!.locked_until).getTime();
    expect(until).toBeGreaterThan(before);
    expect(until).toBeLessThanOrEqual(before + 61_000);

    const res = await admin('DELETE', `/lockouts/${encodeURIComponent(user.email.toUpperCase())}`);
    expect(res.status).toBe(204);
    const after = await (await admin('GET', '/lockouts')).json<{ lockouts: { email: string }[] }>();
    expect(after.lockouts.map((l) => l.email)).not.toContain(user.email);
    expect((await (await loginForm()).attempt(user.email, PASSWORD)).status).toBe(303);

    expect((await admin('DELETE', `/lockouts/${encodeURIComponent(user.email)}`)).status).toBe(404);
    const unknown = await admin('DELETE', `/lockouts/${encodeURIComponent(`${unique('never')}@example.com`)}`);
    expect(unknown.status).toBe(404);
    expect((await unknown.json<{ error: string }>()).error).toBe('not_found');

    const events = await auditUntil(`type=lockout.unlock&user=${encodeURIComponent(user.email)}`, (e) => e.length > 0);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: 'admin-api', target: user.email });
  });

  it('through the console’s Unlock form', async () => {
    const adminUser = await createUser({ roles: ['admin'] });
    const console_ = new Browser();
    expect((await console_.signInThrough('/admin/protection', adminUser.email, PASSWORD)).status).toBe(200);
    const user = await createUser();
    await fail(user.email, 30);

    const html = await (await console_.fetch('/admin/protection')).text();
    expect(html).toContain('Every <strong>30</strong> failed sign-ins');
    expect(html).toContain(`<td>${user.email}</td>`);
    expect(html).toContain(`aria-label="Unlock ${user.email}"`);
    const res = await console_.fetch('/admin/protection/unlock', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams({ csrf: hiddenFields(html).csrf!, key: `email:${user.email}` }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/protection?notice=unlocked');
    const after = await (await console_.fetch('/admin/protection?notice=unlocked')).text();
    expect(after).toContain('Account unlocked.');
    expect(after).not.toContain(`<td>${user.email}</td>`);
    expect((await (await loginForm()).attempt(user.email, PASSWORD)).status).toBe(303);
    const events = await auditUntil(`type=lockout.unlock&user=${encodeURIComponent(user.email)}`, (e) => e.length > 0);
    expect(events[0]).toMatchObject({ actor: adminUser.id, target: user.email });
  });
});

describe('client address lockout', () => {
  it('locks an address after 100 failures across different emails; other addresses are unaffected', { timeout: 30_000 }, async () => {
    const ip = '192.0.2.77';
    const tag = unique('spray');
    await fail((i) => `${tag}-${i}@example.com`, 100, ip);
    const user = await createUser();
    const from = await loginForm(ip);
    const { retryAfter } = await expectLocked(await from.attempt(user.email, PASSWORD));
    expect(retryAfter).toBeLessThanOrEqual(60);
    const elsewhere = await (await loginForm('192.0.2.78')).attempt(user.email, PASSWORD);
    expect(elsewhere.status).toBe(303);
    // Not an account lockout: the accounts tried are not listed as locked.
    const { lockouts } = await (await admin('GET', '/lockouts')).json<{ lockouts: { kind: string; email?: string; address?: string }[] }>();
    expect(lockouts.filter((l) => l.email?.startsWith(tag))).toEqual([]);
    // The address is listed, and an admin can unlock it.
    expect(lockouts).toContainEqual(expect.objectContaining({ kind: 'ip', address: ip }));
    expect((await admin('DELETE', `/lockouts/ip/${ip}`)).status).toBe(204);
    expect((await (await loginForm(ip)).attempt(user.email, PASSWORD)).status).toBe(303);
    const events = await auditUntil('type=login.lockout', (e) => e.some((x) => x.target === `ip:${ip}`));
    expect(events.filter((e) => e.target === `ip:${ip}`)).toHaveLength(1);
    const failures = await auditUntil(`type=login.failure&user=${encodeURIComponent(`${tag}-0@example.com`)}`, (e) => e.length > 0);
    expect(failures[0]).toMatchObject({ client_ip: ip });
  });
});

describe('parallel attempts', () => {
  it('cannot outrun the lockout: of 45 simultaneous wrong passwords at most 30 are checked', { timeout: 30_000 }, async () => {
    const user = await createUser();
    const { attempt } = await loginForm('192.0.2.140');
    const answers = await Promise.all(Array.from({ length: 45 }, (_, i) => attempt(user.email, `parallel guess ${i}`)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(POLICY.threshold);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(45 - POLICY.threshold);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    const row = await env.DB.prepare('select failures, locked_until from login_throttle where key = ?').bind(`email:${user.email}`).first<{ failures: number; locked_until: number }>();
    expect(row!.failures).toBe(POLICY.threshold);
    // And the right password is refused now too.
    await expectLocked(await (await loginForm('192.0.2.141')).attempt(user.email, PASSWORD));
  });
});

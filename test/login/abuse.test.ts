// Sign-in protection under load and abuse: correct sign-ins in parallel never lock an account, and
// a locked client address cannot grow D1 by spraying new emails.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { auditUntil, Browser, createUser, hiddenFields, ORIGIN, PASSWORD, unique } from '../helpers';

const SESSION = '__Host-edge-sso-session';

/** A browser on the login page from `ip`, ready to post the form. */
async function loginForm(ip: string) {
  const browser = new Browser();
  const res = await browser.fetch('/login', { headers: { 'cf-connecting-ip': ip } });
  const csrf = hiddenFields(await res.text()).csrf!;
  const attempt = (email: string, password: string) =>
    browser.fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, 'cf-connecting-ip': ip },
      body: new URLSearchParams({ csrf, email, password }),
    });
  return { browser, attempt };
}

const throttleRow = (key: string) =>
  env.DB.prepare('select failures, locked_until, pending from login_throttle where key = ?').bind(key).first<{ failures: number; locked_until: number; pending: number }>();

describe('correct sign-ins in parallel', () => {
  it('40 at once for one account, from 40 addresses, all sign in: a right password never counts toward the lock', { timeout: 60_000 }, async () => {
    const user = await createUser();
    const forms = await Promise.all(Array.from({ length: 40 }, (_, i) => loginForm(`203.0.113.${i + 10}`)));
    const answers = await Promise.all(forms.map((f) => f.attempt(user.email, PASSWORD)));
    expect(answers.map((r) => r.status)).toEqual(Array(40).fill(303));
    for (const f of forms) expect(f.browser.cookies.has(SESSION)).toBe(true);
    // Nothing is left counting against the account or the addresses.
    expect(await throttleRow(`email:${user.email}`)).toBeNull();
    expect(await throttleRow('ip:203.0.113.10')).toBeNull();
  });

  it('with 29 failures recorded, 10 parallel correct sign-ins still all sign in (and the failures are forgotten)', { timeout: 60_000 }, async () => {
    const user = await createUser();
    const { attempt } = await loginForm('203.0.113.200');
    for (let i = 0; i < 29; i++) expect((await attempt(user.email, `wrong ${i}`)).status).toBe(401);
    const forms = await Promise.all(Array.from({ length: 10 }, (_, i) => loginForm(`203.0.113.${i + 210}`)));
    const answers = await Promise.all(forms.map((f) => f.attempt(user.email, PASSWORD)));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(303));
    expect(await throttleRow(`email:${user.email}`)).toBeNull();
  });
});

describe('a locked client address', () => {
  it('refuses new emails before anything is written per email: no throttle row, no audit row', { timeout: 30_000 }, async () => {
    const ip = '192.0.2.201';
    const now = Math.floor(Date.now() / 1000);
    await env.DB.prepare('insert into login_throttle (key, failures, first_failure_at, last_failure_at, locked_until) values (?, 100, ?, ?, ?)')
      .bind(`ip:${ip}`, now, now, now + 600)
      .run();
    const tag = unique('spray');
    const { attempt } = await loginForm(ip);
    for (let i = 0; i < 20; i++) {
      const res = await attempt(`${tag}-${i}@example.com`, 'guess');
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(500);
    }
    const rows = await env.DB.prepare("select count(*) as n from login_throttle where key like ?").bind(`email:${tag}%`).first<{ n: number }>();
    expect(rows!.n).toBe(0);
    expect(await throttleRow(`ip:${ip}`)).toMatchObject({ failures: 100, pending: 0 });

    // Audit rows are written after the response: wait for a later event, then look.
    const sentinel = `${unique('sentinel')}@example.com`;
    expect((await (await loginForm('192.0.2.202')).attempt(sentinel, 'guess')).status).toBe(401);
    await auditUntil(`type=login.failure&user=${encodeURIComponent(sentinel)}`, (e) => e.length > 0);
    const audited = await env.DB.prepare('select count(*) as n from audit_events where target like ? or client_ip = ?').bind(`${tag}%`, ip).first<{ n: number }>();
    expect(audited!.n).toBe(0);
  });
});

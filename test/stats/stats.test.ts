// The figures: each sign-in and failure counts toward its UTC day, each session's first token for
// an app toward the app; GET /api/admin/stats and the console's dashboard show exactly what a test
// did; every request writes one JSON log line without tokens or addresses.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { utcDay } from '../../src/lib/time';
import { readStats } from '../../src/stats/stats';
import { database } from '../../src/db/client';
import worker from '../../src/index';
import { admin, Browser, createApp, createUser, delivered, ORIGIN, PASSWORD } from '../helpers';

interface StatsBody {
  days: { date: string; sign_ins: number; failures: number }[];
  apps: { client_id: string; name: string; sign_ins: number }[];
}

const stats = async (days = 7) => (await (await admin('GET', `/stats?days=${days}`)).json()) as StatsBody;
const today = async () => (await stats(1)).days[0]!;
/** The audit write (and its counter) happens after the response: wait until the figure moved. */
async function until<T>(read: () => Promise<T>, ready: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await read();
    if (ready(value)) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the figures never arrived');
}

afterEach(() => vi.restoreAllMocks());

describe('sign-in figures', () => {
  it('counts sign-ins and failures per day, and sessions per app; the API and the dashboard show them', { timeout: 30_000 }, async () => {
    const app = await createApp({ name: 'Figures app' });
    const user = await createUser();
    const before = await today();

    for (let i = 0; i < 3; i++) {
      const browser = new Browser();
      const { params } = await delivered(await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD));
      expect(params.id_token).toBeTruthy();
      // The same session again: a token, but not another sign-in to the app.
      await delivered(await browser.fetch(`/sso/jwt/${app.client_id}`));
    }
    for (let i = 0; i < 2; i++) expect((await new Browser().signInThrough(`/sso/jwt/${app.client_id}`, user.email, 'wrong password')).status).toBe(401);

    const after = await until(today, (d) => d.sign_ins === before.sign_ins + 3 && d.failures === before.failures + 2);
    expect(after.date).toBe(utcDay());
    const body = await stats(7);
    expect(body.days).toHaveLength(7);
    expect(body.days.at(-1)).toEqual(after);
    expect(body.apps.find((a) => a.client_id === app.client_id)).toEqual({ client_id: app.client_id, name: 'Figures app', sign_ins: 3 });

    const adminUser = await createUser({ roles: ['admin'] });
    const console_ = new Browser();
    expect((await console_.signInThrough('/admin', adminUser.email, PASSWORD)).status).toBe(200);
    const html = await (await console_.fetch('/admin')).text();
    const final = await until(today, (d) => d.sign_ins === after.sign_ins + 1);
    expect(html).toContain('<h1>Dashboard</h1>');
    expect(html).toMatch(new RegExp(`data-figure="sign-ins-today">${final.sign_ins} · `));
    expect(html).toMatch(new RegExp(`data-figure="failures-today">${final.failures} · `));
    expect(html).toContain(`<tr data-date="${utcDay()}"><th scope="row">${utcDay()}</th><td>${final.sign_ins}</td><td>${final.failures}</td></tr>`);
    expect(html).toMatch(new RegExp(`<tr data-client-id="${app.client_id}"><td class="wrap"><a href="/admin/apps/${app.client_id}">Figures app</a></td><td>3</td></tr>`));
    expect(html).toContain('<svg viewBox="0 0 720 180" width="100%" role="img" aria-labelledby="chart-title"');
  });

  it('days: zeros for days without sign-ins, oldest first; bad values are a 400', async () => {
    const { days } = await readStats(database(env.DB), 3, Date.UTC(2020, 0, 2) / 1000);
    expect(days).toEqual([
      { date: '2019-12-31', sign_ins: 0, failures: 0 },
      { date: '2020-01-01', sign_ins: 0, failures: 0 },
      { date: '2020-01-02', sign_ins: 0, failures: 0 },
    ]);
    for (const bad of ['0', '367', 'abc', '1.5', '-1']) expect((await admin('GET', `/stats?days=${bad}`)).status).toBe(400);
  });

  it('the dashboard shows the share of users with a second factor and the active lockouts', async () => {
    const user = await createUser();
    await env.DB.prepare('INSERT INTO mfa_totp (user_id, secret_encrypted, created_at, confirmed_at) VALUES (?, ?, 0, 0)').bind(user.id, 'v1.x.y').run();
    await env.DB.prepare("INSERT INTO login_throttle (key, failures, first_failure_at, last_failure_at, locked_until) VALUES ('email:locked@example.com', 30, 0, 0, ?)")
      .bind(Math.floor(Date.now() / 1000) + 600)
      .run();
    const { n: users } = (await env.DB.prepare('SELECT count(*) AS n FROM users').first<{ n: number }>())!;
    const adminUser = await createUser({ roles: ['admin'] });
    const browser = new Browser();
    await browser.signInThrough('/admin', adminUser.email, PASSWORD);
    const html = await (await browser.fetch('/admin')).text();
    expect(html).toContain(`(1 of ${users + 1})`);
    expect(html).toMatch(/data-figure="lockouts">1 · <a href="\/admin\/protection">/);
  });
});

describe('request log', () => {
  /** A browser on the Worker with REQUEST_LOG as given (the test project sets it "off"). */
  const browserWith = (REQUEST_LOG: string | undefined) =>
    new Browser(async (path, init) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(new Request(new URL(path, ORIGIN), { redirect: 'manual', ...init }), { ...env, REQUEST_LOG }, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    });

  it('one JSON line per request: the route pattern, status, outcome, duration and request id; no email, password or token', async () => {
    const app = await createApp();
    const user = await createUser();
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    const browser = browserWith(undefined); // unset: on, as in production
    await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, 'a wrong password');
    const requests = lines.filter((l) => l.startsWith('{"type":"request"')).map((l) => JSON.parse(l));
    expect(requests.map((r) => [r.method, r.route, r.status, r.outcome])).toEqual([
      ['GET', '/sso/jwt/:clientId', 303, 'redirect'],
      ['GET', '/login', 200, 'ok'],
      ['POST', '/login', 401, 'login.failure'],
    ]);
    for (const r of requests) {
      expect(typeof r.duration_ms).toBe('number');
      expect(r.request_id).toMatch(/^[0-9a-f-]{36}$/);
    }
    const all = lines.join('\n');
    expect(all).not.toContain(user.email.split('@')[0]);
    expect(all).not.toContain('a wrong password');
    expect(all).not.toContain(app.client_id);
  });

  it('REQUEST_LOG=off writes no line', async () => {
    const app = await createApp();
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    await browserWith('off').fetch(`/sso/jwt/${app.client_id}`);
    await browserWith('on').fetch(`/sso/jwt/${app.client_id}`);
    expect(lines.filter((l) => l.startsWith('{"type":"request"'))).toHaveLength(1);
  });
});

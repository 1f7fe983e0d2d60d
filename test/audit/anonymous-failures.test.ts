// Anonymous failures cannot grow the audit trail: a federation callback nobody started here and a
// failed passkey sign-in are counted per client address (IPv6 by its /64) in login_throttle, with
// one audit row per address per window. Failed passkey sign-ins count under `anon:<address>`: past
// the limit the address is refused (429) before any work, and those refusals are counted too.
// Callbacks nobody started count under `stray:<address>` and never lock: any page can make its
// visitors' browsers send them (test/audit/anonymous-lock.test.ts).
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/db/client';
import { parseNewSource } from '../../src/federation/input';
import { createSource } from '../../src/federation/store';
import { keyring } from '../../src/lib/secret-box';
import { utcDay } from '../../src/lib/time';
import { auditUntil, Browser, call, hiddenFields, ORIGIN, unique } from '../helpers';

/** The limit: the address threshold (IP_LOCKOUT_THRESHOLD, 100 by default). */
const LIMIT = 100;
const REQUESTS = LIMIT + 20;

async function githubSource(): Promise<string> {
  const slug = unique('gh').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40);
  await createSource(database(env.DB), keyring(env), parseNewSource({ type: 'github', slug, name: 'GitHub', client_id: 'gh-client', client_secret: 'upstream-secret' }));
  return slug;
}

const randomByte = () => 1 + Math.floor(Math.random() * 250);
const auditRowsFrom = async (ip: string) => (await env.DB.prepare('select count(*) as n from audit_events where client_ip = ?').bind(ip).first<{ n: number }>())!.n;
const counted = async (key: string) => (await env.DB.prepare('select failures from login_throttle where key = ?').bind(key).first<{ failures: number }>())?.failures ?? 0;
const dayFailures = async () => (await env.DB.prepare("select failures from daily_counts where day = ? and client_id = ''").bind(utcDay()).first<{ failures: number }>())?.failures ?? 0;

/** Sends `count` requests one after another; the statuses in order. */
async function send(count: number, request: (i: number) => Promise<Response>): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await request(i)).status);
  return statuses;
}

/** Waits until the audit rows written after the responses (waitUntil) are in. */
const settled = (ip: string) => auditUntil(`type=login.failure`, (events) => events.some((e) => e.client_ip === ip));

describe('anonymous failures are counted per address, not written one row each', () => {
  it('callbacks at a known slug without an attempt: one audit row, every request counted, never a lock', async () => {
    const slug = await githubSource();
    const ip = `198.51.100.${randomByte()}`;
    const before = await dayFailures();
    const statuses = await send(REQUESTS, () => call(`/federation/${slug}/callback?state=s&code=c`, { headers: { 'cf-connecting-ip': ip } }));
    expect(statuses).toEqual(Array(REQUESTS).fill(400));
    expect(await counted(`stray:${ip}`)).toBe(REQUESTS);
    expect(await counted(`anon:${ip}`)).toBe(0);
    await settled(ip);
    expect(await auditRowsFrom(ip)).toBe(1);
    const [row] = (await settled(ip)).filter((e) => e.client_ip === ip);
    expect(row!.detail).toMatchObject({ source: slug, reason: 'no_attempt', counted_per_address: { locks: false } });
    // Every failure still counts toward the day's figures.
    expect((await dayFailures()) - before).toBeGreaterThanOrEqual(REQUESTS);
    // Another address is not affected.
    expect((await call(`/federation/${slug}/callback?state=s&code=c`, { headers: { 'cf-connecting-ip': `198.18.${randomByte()}.${randomByte()}` } })).status).toBe(400);
  }, 120_000);

  it('IPv6 addresses of one /64 share one count', async () => {
    const slug = await githubSource();
    const prefix = `2001:db8:${randomByte().toString(16)}:${randomByte().toString(16)}`;
    const statuses = await send(REQUESTS, (i) => call(`/federation/${slug}/callback`, { headers: { 'cf-connecting-ip': `${prefix}::${(i + 1).toString(16)}` } }));
    expect(statuses).toEqual(Array(REQUESTS).fill(400));
    expect(await counted(`stray:${prefix}::/64`)).toBe(REQUESTS);
  }, 120_000);

  it('failed passkey sign-ins: one audit row, every attempt counted, 429 past the limit (before the assertion is checked)', async () => {
    const ip = `203.0.113.${randomByte()}`;
    const browser = new Browser();
    const page = await (await browser.fetch('/login/passkey', { headers: { 'cf-connecting-ip': ip } })).text();
    const { csrf } = hiddenFields(page);
    const statuses = await send(REQUESTS, () =>
      browser.fetch('/login/passkey', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, 'cf-connecting-ip': ip },
        body: new URLSearchParams({ csrf: csrf!, response: JSON.stringify({ id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: {} }) }),
      }),
    );
    expect(statuses.slice(0, LIMIT).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(LIMIT)).toEqual(Array(REQUESTS - LIMIT).fill(429));
    expect(await counted(`anon:${ip}`)).toBe(REQUESTS);
    await settled(ip);
    expect(await auditRowsFrom(ip)).toBe(1);
    const [row] = (await settled(ip)).filter((e) => e.client_ip === ip);
    expect(row!.detail).toMatchObject({ method: 'passkey', counted_per_address: { limit: LIMIT } });
  }, 120_000);
});

// KV expirations: every key the Worker writes expires, and TTLs are clamped to what KV accepts.
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kvKeys, kvTtl } from '../../src/sessions/kv';
import { admin, Browser, createApp, createUser, PASSWORD } from '../helpers';

const SESSION = '__Host-edge-sso-session';

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function expirationOf(name: string): Promise<number | undefined> {
  const { keys } = await env.KV.list({ prefix: name });
  const key = keys.find((k) => k.name === name);
  expect(key, `KV key ${name}`).toBeDefined();
  return key!.expiration;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('kvTtl', () => {
  it.each([
    [-100, 60],
    [0, 60],
    [1, 60],
    [59, 60],
    [59.5, 60],
    [60, 60],
    [60.01, 61],
    [61, 61],
    [600, 600],
    [600.2, 601],
    [28_800, 28_800],
  ])('kvTtl(%d) = %d', (seconds, expected) => {
    expect(kvTtl(seconds)).toBe(expected);
  });

  it('always gives a whole number of seconds, at least 60, never shorter than asked', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), (seconds) => {
        const ttl = kvTtl(seconds);
        expect(Number.isInteger(ttl)).toBe(true);
        expect(ttl).toBeGreaterThanOrEqual(60);
        expect(ttl).toBeGreaterThanOrEqual(seconds);
        expect(ttl).toBeLessThan(Math.max(60, seconds) + 1);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('KV keys expire', () => {
  it('a session and its row in the user’s session index expire with the session lifetime', async () => {
    const app = await createApp();
    const user = await createUser();
    const browser = new Browser();
    const before = nowSeconds();
    await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD);
    const ttl = Number(env.SESSION_TTL_SECONDS ?? 28_800);

    const sessionKey = kvKeys.session(await sha256Hex(browser.cookies.get(SESSION)!));
    const sessionExpiration = await expirationOf(sessionKey);
    expect(sessionExpiration).toBeDefined();
    expect(sessionExpiration!).toBeGreaterThanOrEqual(before + ttl - 5);
    expect(sessionExpiration!).toBeLessThanOrEqual(nowSeconds() + ttl + 5);

    // The user's session index is in D1 (consistent, unlike a KV list), with the same expiry.
    const idHash = await sha256Hex(browser.cookies.get(SESSION)!);
    const row = await env.DB.prepare('select user_id, expires_at from user_sessions where id_hash = ?').bind(idHash).first<{ user_id: string; expires_at: number }>();
    expect(row?.user_id).toBe(user.id);
    expect(Math.abs(row!.expires_at - sessionExpiration!)).toBeLessThanOrEqual(60);
  });

  it('a session whose profile an admin changes keeps its expiration', async () => {
    const app = await createApp();
    const user = await createUser();
    const browser = new Browser();
    await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD);
    const sessionKey = kvKeys.session(await sha256Hex(browser.cookies.get(SESSION)!));
    const before = await expirationOf(sessionKey);
    expect((await admin('PATCH', `/users/${user.id}`, { name: 'Renamed' })).status).toBe(200);
    const after = await expirationOf(sessionKey);
    expect(after).toBeDefined();
    expect(Math.abs(after! - before!)).toBeLessThanOrEqual(5);
    expect(((await env.KV.get<{ profile: { name: string } }>(sessionKey, 'json'))!).profile.name).toBe('Renamed');
  });

  it('no key written by sign-in lives forever', async () => {
    const app = await createApp();
    const user = await createUser();
    await new Browser().signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD);
        const { keys } = await env.KV.list();
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key.expiration, key.name).toEqual(expect.any(Number));
  });
});

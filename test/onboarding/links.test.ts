// One-time links: random, stored hashed, single use (also under a race), expiring, pruned.
import { env } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/db/client';
import { oneTimeLinks } from '../../src/db/schema';
import { sha256Hex } from '../../src/lib/encoding';
import { consumeLink, createLink, LINK_TTL_SECONDS, peekLink, pruneOneTimeLinks } from '../../src/onboarding/links';

const db = () => database(env.DB);
const email = () => `link-${crypto.randomUUID()}@example.com`;

describe('one-time links', () => {
  it('carry 256 random bits, and D1 keeps only their SHA-256', async () => {
    const { token } = await createLink(db(), { purpose: 'verify', email: email() });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [row] = await db().select().from(oneTimeLinks).where(eq(oneTimeLinks.hash, await sha256Hex(token)));
    expect(row).toBeDefined();
    expect(JSON.stringify(row)).not.toContain(token);
    const other = await createLink(db(), { purpose: 'verify', email: email() });
    expect(other.token).not.toBe(token);
  });

  it('live 7 days for an invitation, 30 minutes for a reset, 24 hours for a verification, unless told otherwise', async () => {
    const now = 1_800_000_000;
    expect((await createLink(db(), { purpose: 'invite', email: email() }, now)).expiresAt - now).toBe(7 * 86400);
    expect((await createLink(db(), { purpose: 'reset', email: email() }, now)).expiresAt - now).toBe(30 * 60);
    expect((await createLink(db(), { purpose: 'verify', email: email() }, now)).expiresAt - now).toBe(86400);
    expect((await createLink(db(), { purpose: 'invite', email: email(), ttlSeconds: 3 * 86400 }, now)).expiresAt - now).toBe(3 * 86400);
    expect(LINK_TTL_SECONDS.reset).toBe(1800);
  });

  it('work once: the second use finds the link gone', async () => {
    const { token } = await createLink(db(), { purpose: 'reset', email: email() });
    expect((await consumeLink(db(), token, 'reset')).ok).toBe(true);
    expect(await consumeLink(db(), token, 'reset')).toMatchObject({ ok: false, problem: 'gone' });
    expect(await peekLink(db(), token, 'reset')).toMatchObject({ ok: false, problem: 'gone' });
  });

  it('succeed exactly once when used many times in parallel', async () => {
    const { token } = await createLink(db(), { purpose: 'invite', email: email() });
    const results = await Promise.all(Array.from({ length: 12 }, () => consumeLink(db(), token, 'invite')));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.problem === 'gone')).toHaveLength(11);
  });

  it('expire: a reset link is gone after 30 minutes', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { token } = await createLink(db(), { purpose: 'reset', email: email() }, now);
    expect((await peekLink(db(), token, 'reset', now + 1799)).ok).toBe(true);
    expect(await consumeLink(db(), token, 'reset', now + 1800)).toMatchObject({ ok: false, problem: 'gone' });
    expect((await consumeLink(db(), token, 'reset', now + 1799)).ok).toBe(true);
  });

  it('are unknown when malformed, never issued, or presented for another purpose', async () => {
    const { token } = await createLink(db(), { purpose: 'verify', email: email() });
    for (const bad of [undefined, '', 'short', `${token}x`, token.replace(/.$/, '!'), 42]) {
      expect(await consumeLink(db(), bad, 'verify')).toMatchObject({ ok: false, problem: 'unknown' });
    }
    expect(await consumeLink(db(), 'A'.repeat(43), 'verify')).toMatchObject({ ok: false, problem: 'unknown' });
    expect(await consumeLink(db(), token, 'reset')).toMatchObject({ ok: false, problem: 'unknown' });
    expect((await consumeLink(db(), token, 'verify')).ok).toBe(true);
  });

  it('are pruned once expired or used a day ago; open ones stay', async () => {
    const now = 1_900_000_000;
    const open = await createLink(db(), { purpose: 'invite', email: email() }, now);
    const expired = await createLink(db(), { purpose: 'reset', email: email() }, now - 3600);
    const used = await createLink(db(), { purpose: 'verify', email: email() }, now - 2 * 86400 + 60);
    await consumeLink(db(), used.token, 'verify', now - 2 * 86400 + 120);
    await pruneOneTimeLinks(db(), now);
    const left = async (token: string) => (await db().select().from(oneTimeLinks).where(eq(oneTimeLinks.hash, await sha256Hex(token)))).length;
    expect(await left(open.token)).toBe(1);
    expect(await left(expired.token)).toBe(0);
    expect(await left(used.token)).toBe(0);
  });
});

// Nothing an anonymous visitor sends grows the audit trail without bound: an unknown federation
// slug is a 404 with nothing written, and every audit field is length-capped.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { cappedEvent, AUDIT_DETAIL_VALUE_MAX, AUDIT_TEXT_MAX } from '../../src/audit/audit';
import { auditUntil, call, unique } from '../helpers';

const rowsMentioning = async (text: string) =>
  (await env.DB.prepare('select count(*) as n from audit_events where detail like ? or target like ?').bind(`%${text}%`, `%${text}%`).first<{ n: number }>())!.n;

describe('anonymous federation callbacks', () => {
  it('an unknown or malformed slug: 404, no audit row', async () => {
    const marker = unique('slug').toLowerCase().replace(/[^a-z0-9]/g, '');
    const long = `${marker}${'x'.repeat(7000)}`;
    for (let i = 0; i < 10; i++) {
      expect((await call(`/federation/${long}/callback?state=s&code=c`)).status).toBe(404);
      expect((await call(`/federation/${marker}/callback?state=s&code=c`)).status).toBe(404);
    }
    // Audit rows are written after the response: wait for a later anonymous event, then count.
    const sentinel = `${unique('sentinel')}@example.com`;
    const form = await call('/login');
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const cookie = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    await call('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://sso.test', cookie }, body: new URLSearchParams({ csrf, email: sentinel, password: 'x' }) });
    await auditUntil(`type=login.failure&user=${encodeURIComponent(sentinel)}`, (e) => e.length > 0);
    expect(await rowsMentioning(marker)).toBe(0);
  });
});

describe('cappedEvent', () => {
  it('caps the actor, target, client address and every detail value', () => {
    const long = 'y'.repeat(10_000);
    const capped = cappedEvent({ type: 'login.failure', actor: long, target: long, detail: { upstream: long, nested: { deep: long }, list: Array(100).fill(long) } }, long);
    expect(capped.actor.length).toBeLessThanOrEqual(AUDIT_TEXT_MAX + 1);
    expect(capped.target.length).toBeLessThanOrEqual(AUDIT_TEXT_MAX + 1);
    expect(capped.clientIp.length).toBeLessThanOrEqual(64);
    expect(JSON.stringify(capped.detail).length).toBeLessThan(30 * (AUDIT_DETAIL_VALUE_MAX + 10) + 2 * (AUDIT_DETAIL_VALUE_MAX + 20));
    expect((capped.detail.upstream as string).length).toBe(AUDIT_DETAIL_VALUE_MAX + 1);
  });
});

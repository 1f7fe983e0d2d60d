// Every per-address limit keys an IPv6 client on its /64: a client cannot step around a lock or
// a rate limit by moving to another address in its own prefix.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { Browser, hiddenFields, ORIGIN, unique } from '../helpers';

async function post(path: string, ip: string, fields: Record<string, string>): Promise<Response> {
  const browser = new Browser();
  const page = await browser.fetch(path, { headers: { 'cf-connecting-ip': ip } });
  const csrf = hiddenFields(await page.text()).csrf!;
  return browser.fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, 'cf-connecting-ip': ip },
    body: new URLSearchParams({ csrf, ...fields }),
  });
}

describe('IPv6 clients are counted by /64', () => {
  it('a locked /64 refuses sign-ins from every address in it, and only in it', async () => {
    const now = Math.floor(Date.now() / 1000);
    await env.DB.prepare('insert into login_throttle (key, failures, first_failure_at, last_failure_at, locked_until) values (?, 100, ?, ?, ?)')
      .bind('ip:2001:db8:77:1::/64', now, now, now + 600)
      .run();
    const email = `${unique('v6')}@example.com`;
    for (const ip of ['2001:db8:77:1::abcd', '2001:0db8:0077:0001:ffff:1:2:3', '2001:db8:77:1:1234:5678:9abc:def0']) {
      expect((await post('/login', ip, { email, password: 'guess' })).status, ip).toBe(429);
    }
    expect((await post('/login', '2001:db8:77:2::1', { email, password: 'guess' })).status).toBe(401);
  });

  it('forgot password: 20 requests an hour per /64, whichever addresses they come from', async () => {
    const statuses = [];
    for (let i = 0; i < 21; i++) {
      statuses.push((await post('/password/forgot', `2001:db8:78:1:${i.toString(16)}::1`, { email: `${unique('f')}@example.com` })).status);
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(200));
    expect(statuses[20]).toBe(429);
  });
});

// Without cf-connecting-ip (a proxy in front, local tools) the per-address limit still holds: such
// requests share the `ip:unknown` bucket, and the isolate logs a warning once.
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { Browser, createUser, hiddenFields, ORIGIN, PASSWORD, unique } from '../helpers';

describe('a request without a client address', () => {
  it('is counted in the shared ip:unknown bucket, which locks after 100 failures, with one warning', { timeout: 60_000 }, async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const browser = new Browser();
    const csrf = hiddenFields(await (await browser.fetch('/login')).text()).csrf!;
    const attempt = (email: string, password: string) =>
      browser.fetch('/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
        body: new URLSearchParams({ csrf, email, password }),
      });
    const tag = unique('nohdr');
    for (let i = 0; i < 100; i++) expect((await attempt(`${tag}-${i}@example.com`, 'guess')).status, `failure ${i + 1}`).toBe(401);
    const user = await createUser();
    const locked = await attempt(user.email, PASSWORD);
    expect(locked.status).toBe(429);
    const row = await env.DB.prepare('select failures, locked_until from login_throttle where key = ?').bind('ip:unknown').first<{ failures: number; locked_until: number }>();
    expect(row!.failures).toBe(100);
    expect(row!.locked_until).toBeGreaterThan(Date.now() / 1000);
    const warnings = warn.mock.calls.filter((args) => String(args[0]).includes('cf-connecting-ip'));
    expect(warnings).toHaveLength(1);
    // A request that has an address is not affected.
    const other = new Browser();
    const token = hiddenFields(await (await other.fetch('/login', { headers: { 'cf-connecting-ip': '192.0.2.9' } })).text()).csrf!;
    const ok = await other.fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, 'cf-connecting-ip': '192.0.2.9' },
      body: new URLSearchParams({ csrf: token, email: user.email, password: PASSWORD }),
    });
    expect(ok.status).toBe(303);
    warn.mockRestore();
  });
});

// Turnstile's server-side check against a local siteverify handler (the same form fields and JSON
// answer as Cloudflare's): skipped when not configured, refused unless siteverify says success.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { SITEVERIFY_URL, turnstileSiteKey, verifyTurnstile } from '../../src/onboarding/turnstile';

const KEYS = { TURNSTILE_SITE_KEY: 'site-key', TURNSTILE_SECRET_KEY: 'secret-key' };

function siteverify() {
  const app = new Hono();
  const calls: Record<string, string>[] = [];
  app.post('/turnstile/v0/siteverify', async (c) => {
    const form = Object.fromEntries([...(await c.req.formData())].map(([k, v]) => [k, String(v)]));
    calls.push(form);
    const ok = form.secret === 'secret-key' && form.response === 'valid-token';
    return c.json(ok ? { success: true, 'error-codes': [] } : { success: false, 'error-codes': ['invalid-input-response'] });
  });
  const fetchFn = ((input: RequestInfo | URL, init?: RequestInit) => app.request(String(input), init)) as typeof fetch;
  return { calls, fetchFn };
}

describe('turnstile', () => {
  it('is off unless both keys are set, and then passes every form', async () => {
    expect(turnstileSiteKey({})).toBeNull();
    expect(turnstileSiteKey({ TURNSTILE_SITE_KEY: 'x' })).toBeNull();
    expect(turnstileSiteKey(KEYS)).toBe('site-key');
    const { calls, fetchFn } = siteverify();
    expect(await verifyTurnstile({}, undefined, '192.0.2.1', fetchFn)).toBe(true);
    expect(calls).toHaveLength(0);
  });

  it('asks siteverify with the secret, the answer and the client address', async () => {
    const { calls, fetchFn } = siteverify();
    expect(SITEVERIFY_URL).toBe('https://challenges.cloudflare.com/turnstile/v0/siteverify');
    expect(await verifyTurnstile(KEYS, 'valid-token', '192.0.2.1', fetchFn)).toBe(true);
    expect(calls[0]).toEqual({ secret: 'secret-key', response: 'valid-token', remoteip: '192.0.2.1' });
    expect(await verifyTurnstile(KEYS, 'forged', '192.0.2.1', fetchFn)).toBe(false);
  });

  it('refuses a missing or oversized answer without asking, and an unreachable or broken siteverify', async () => {
    const { calls, fetchFn } = siteverify();
    expect(await verifyTurnstile(KEYS, undefined, '', fetchFn)).toBe(false);
    expect(await verifyTurnstile(KEYS, '', '', fetchFn)).toBe(false);
    expect(await verifyTurnstile(KEYS, 'x'.repeat(3000), '', fetchFn)).toBe(false);
    expect(calls).toHaveLength(0);
    const down = (async () => {
      throw new TypeError('network down');
    }) as typeof fetch;
    expect(await verifyTurnstile(KEYS, 'valid-token', '', down)).toBe(false);
    const broken = (async () => new Response('<html>502</html>', { status: 502 })) as typeof fetch;
    expect(await verifyTurnstile(KEYS, 'valid-token', '', broken)).toBe(false);
    const notJson = (async () => new Response('ok')) as typeof fetch;
    expect(await verifyTurnstile(KEYS, 'valid-token', '', notJson)).toBe(false);
  });
});

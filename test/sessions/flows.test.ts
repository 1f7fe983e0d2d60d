// The pending sign-in travels sealed in the URL: anonymous requests write nothing to KV or D1,
// the value expires after 10 minutes, and it cannot be read or forged.
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFlow, FLOW_TTL_SECONDS, openFlow, readFlow } from '../../src/sessions/flows';
import { isLocalPath } from '../../src/lib/local-path';
import { Browser, createApp, ORIGIN } from '../helpers';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Spies on every way the Worker can write to KV or D1; returns the writes seen. */
function watchWrites() {
  const writes: string[] = [];
  for (const method of ['put', 'delete'] as const) {
    vi.spyOn(env.KV, method).mockImplementation(((key: string) => {
      writes.push(`KV.${method} ${key}`);
      return Promise.resolve();
    }) as never);
  }
  const prepare = env.DB.prepare.bind(env.DB);
  vi.spyOn(env.DB, 'prepare').mockImplementation((query: string) => {
    if (!/^\s*(select|with)\b/i.test(query)) writes.push(`D1 ${query}`);
    return prepare(query);
  });
  const batch = env.DB.batch.bind(env.DB);
  vi.spyOn(env.DB, 'batch').mockImplementation((statements) => {
    writes.push(`D1 batch of ${statements.length}`);
    return batch(statements);
  });
  return writes;
}

describe('an anonymous request writes nothing', () => {
  it('the SSO URL without a session: 303 to the login page, no KV or D1 write', async () => {
    const app = await createApp();
    const browser = new Browser();
    await browser.fetch(`/sso/jwt/${app.client_id}`); // warms the isolate's app cache
    const writes = watchWrites();
    const res = await browser.fetch(`/sso/jwt/${app.client_id}?state=abc`);
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/login\?flow=[A-Za-z0-9_-]+$/);
    // And the login page it leads to writes nothing either.
    expect((await browser.fetch(location)).status).toBe(200);
    expect(writes).toEqual([]);
  });

  it('a console page without a session: 303 to the login page, no KV or D1 write', async () => {
    const writes = watchWrites();
    const res = await new Browser().fetch('/admin/users?q=ada');
    expect(res.status).toBe(303);
    const flow = new URL(res.headers.get('location')!, ORIGIN).searchParams.get('flow')!;
    expect(await readFlow(env, flow)).toEqual({ returnTo: '/admin/users?q=ada' });
    expect(writes).toEqual([]);
  });

  it('the flow carries the request: the app, its redirect origin and the SSO URL to resume', async () => {
    const app = await createApp({ redirect_urls: ['https://payroll.example.com/cb'] });
    const res = await new Browser().fetch(`/sso/jwt/${app.client_id}?state=s&prompt=login`);
    const flow = new URL(res.headers.get('location')!, ORIGIN).searchParams.get('flow')!;
    expect(await readFlow(env, flow)).toEqual({
      returnTo: `/sso/jwt/${app.client_id}?state=s`,
      clientId: app.client_id,
      targetOrigin: 'https://payroll.example.com',
    });
  });
});

describe('sealed flow values', () => {
  it(`expire ${FLOW_TTL_SECONDS / 60} minutes after they are made (the expiry is inside the seal)`, async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    const value = await createFlow(env, { returnTo: '/admin' });
    vi.setSystemTime(start + (FLOW_TTL_SECONDS - 5) * 1000);
    expect(await readFlow(env, value)).toEqual({ returnTo: '/admin' });
    vi.setSystemTime(start + (FLOW_TTL_SECONDS + 1) * 1000);
    expect(await readFlow(env, value)).toBeNull();
    // Still authentic, so the page can offer to start again.
    expect(await openFlow(env, value)).toEqual({ flow: { returnTo: '/admin' }, expired: true });
  });

  it('are opaque: the return path is not readable in the value', async () => {
    const value = await createFlow(env, { returnTo: '/sso/jwt/secret-client?state=visible-state' });
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(atob(value.replace(/-/g, '+').replace(/_/g, '/'))).not.toContain('visible-state');
    // Two flows for the same request differ (a fresh IV each time).
    expect(await createFlow(env, { returnTo: '/x' })).not.toBe(await createFlow(env, { returnTo: '/x' }));
  });

  it('refuse any change to the value (fast-check)', async () => {
    const value = await createFlow(env, { returnTo: '/admin', clientId: 'c' });
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: value.length - 1 }), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), async (at, char) => {
        fc.pre(value[at] !== char);
        const changed = value.slice(0, at) + char + value.slice(at + 1);
        const opened = await openFlow(env, changed);
        // The last character may carry only padding bits; anything else must fail to open.
        if (opened) expect(at).toBe(value.length - 1);
      }),
      { numRuns: 300 },
    );
    for (const bad of [undefined, '', 'flow', value.slice(0, 30), `${value}.x`, value + value]) expect(await readFlow(env, bad)).toBeNull();
  });

  it('only ever return to a path on this origin', () => {
    for (const ok of ['/', '/admin', '/sso/jwt/x?redirect_uri=https%3A%2F%2Fa.example%2Fcb']) expect(isLocalPath(ok)).toBe(true);
    for (const bad of ['', 'admin', '//evil.example/', '/\\evil.example', 'https://evil.example/', '/a\nb', ' /admin']) expect(isLocalPath(bad)).toBe(false);
  });
});

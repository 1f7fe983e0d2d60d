// The hot path: with a live session, the SSO URL makes one KV read and no D1 query
// (app records and signing keys come from the isolate cache).
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Browser, createApp, createUser, delivered, PASSWORD } from '../helpers';

afterEach(() => vi.restoreAllMocks());

describe.each(['HS256', 'ES256', 'RS256'] as const)('the SSO URL with a live session (%s)', (alg) => {
  it('reads KV once and D1 not at all once the app and key are cached', async () => {
    const app = await createApp({ signing_alg: alg });
    const user = await createUser();
    const browser = new Browser();
    await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD);
    await browser.fetch(`/sso/jwt/${app.client_id}`); // warms the isolate cache

    const d1 = vi.spyOn(env.DB, 'prepare');
    const d1Batch = vi.spyOn(env.DB, 'batch');
    const kvGet = vi.spyOn(env.KV, 'get');
    const kvPut = vi.spyOn(env.KV, 'put');
    const { params } = await delivered(await browser.fetch(`/sso/jwt/${app.client_id}?state=hot`));

    expect(params.id_token).toBeTruthy();
    expect(params.state).toBe('hot');
    expect(d1).not.toHaveBeenCalled();
    expect(d1Batch).not.toHaveBeenCalled();
    expect(kvGet).toHaveBeenCalledTimes(1);
    expect(String(kvGet.mock.calls[0]![0])).toMatch(/^session:[0-9a-f]{64}$/);
    expect(kvPut).not.toHaveBeenCalled();
  });
});

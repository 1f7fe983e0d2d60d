// Key rotation with an activation delay: the new key is in the JWKS before it signs anything,
// so verifiers whose cached JWKS predates the rotation never meet an unknown kid.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Bindings } from '../../src/env';
import { RequestError } from '../../src/lib/errors';
import { nowSeconds } from '../../src/lib/time';
import { activeSigningKey, listSigningKeys, publicJwks, rotateSigningKey } from '../../src/tokens/keys';

// A five-minute delay, and a one-second isolate cache so the test can see a reload.
const delayed = { ...env, KEY_ACTIVATION_DELAY_SECONDS: '300', CONFIG_CACHE_SECONDS: '1' } as Bindings;
const kids = async () => (await publicJwks(delayed)).keys.map((k) => k.kid);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('rotation with an activation delay', () => {
  it('publishes the new key at once, signs with it only after the delay, then retires the old one', async () => {
    const current = await activeSigningKey(delayed, 'ES256');
    const { kid, activatesAt } = await rotateSigningKey(delayed, 'ES256');
    expect(activatesAt).toBeGreaterThanOrEqual(nowSeconds() + 299);
    expect(await kids()).toEqual(expect.arrayContaining([current.kid, kid]));
    expect((await activeSigningKey(delayed, 'ES256')).kid).toBe(current.kid);
    const listed = await listSigningKeys(delayed);
    expect(listed.find((k) => k.kid === kid)).toMatchObject({ state: 'next', changesAt: activatesAt });

    // A second rotation while one is pending is refused, not stacked.
    await expect(rotateSigningKey(delayed, 'ES256')).rejects.toSatisfy((e) => e instanceof RequestError && e.status === 409);

    // Five minutes later (the key's publication moved back in time), the next load switches keys.
    await env.DB.prepare('update signing_keys set created_at = created_at - 301 where kid = ?').bind(kid).run();
    await pause(1100); // let the one-second isolate cache expire
    expect((await activeSigningKey(delayed, 'ES256')).kid).toBe(kid);
    const after = await listSigningKeys(delayed);
    expect(after.find((k) => k.kid === kid)?.state).toBe('active');
    expect(after.find((k) => k.kid === current.kid)?.state).toBe('retiring');
    await pause(1100);
    expect(await kids()).toEqual(expect.arrayContaining([current.kid, kid]));
  });
});

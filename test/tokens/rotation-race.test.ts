// Two requests creating the same key at once (first use of an algorithm, or two rotations): the
// loser must answer with the kid that was stored, never with its own key that was not.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/db/client';
import { generate, rotateSigningKey } from '../../src/tokens/keys';
import { keyring } from '../../src/lib/secret-box';

async function storedKids(alg: string): Promise<string[]> {
  const { results } = await env.DB.prepare('select kid from signing_keys where alg = ?').bind(alg).all<{ kid: string }>();
  return results.map((r) => r.kid);
}

describe('racing to create a signing key', () => {
  it('the losers of a race for the next key get the winner’s kid', async () => {
    const db = database(env.DB);
    const kids = await Promise.all(Array.from({ length: 4 }, () => generate(db, keyring(env), 'ES256', 'next')));
    const stored = await env.DB.prepare("select kid from signing_keys where alg = 'ES256' and state = 'next'").all<{ kid: string }>();
    expect(stored.results).toHaveLength(1);
    expect(kids).toEqual(Array(4).fill(stored.results[0]!.kid));
  });

  it('a key created after another request stored one answers with the stored one', async () => {
    const db = database(env.DB);
    const first = await generate(db, keyring(env), 'RS256', 'active');
    const second = await generate(db, keyring(env), 'RS256', 'active');
    expect(second).toBe(first);
    expect(await storedKids('RS256')).toEqual([first]);
  });

  it('parallel rotations each answer with a kid that is stored (or are refused as already pending)', async () => {
    const slow = { ...env, KEY_ACTIVATION_DELAY_SECONDS: '300' };
    const results = await Promise.allSettled(Array.from({ length: 3 }, () => rotateSigningKey(slow, 'RS256')));
    const stored = await storedKids('RS256');
    for (const result of results) {
      if (result.status === 'fulfilled') expect(stored).toContain(result.value.kid);
      else expect((result.reason as { status?: number }).status).toBe(409);
    }
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
  });
});

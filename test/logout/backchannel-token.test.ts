// The pure parts of back-channel logout: the logout token's claims, its algorithm, and the
// bounded retry (driven with a recorded sleep, so no test waits).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BACKCHANNEL_LOGOUT_EVENT,
  deliverWithRetry,
  DELIVERY_POLICY,
  isRetryable,
  logoutTokenAlg,
  logoutTokenClaims,
  LOGOUT_TOKEN_TTL_SECONDS,
  type AttemptResult,
} from '../../src/logout/backchannel-token';

describe('logout token claims', () => {
  it('carry iss, aud, sub, iat, exp, jti and the back-channel event, and never a nonce', () => {
    const claims = logoutTokenClaims({ issuer: 'https://sso.test', clientId: 'app-1', userId: 'u-1', now: 1_800_000_000, jti: 'j-1' });
    expect(claims).toEqual({
      iss: 'https://sso.test',
      aud: 'app-1',
      sub: 'u-1',
      iat: 1_800_000_000,
      exp: 1_800_000_000 + LOGOUT_TOKEN_TTL_SECONDS,
      jti: 'j-1',
      events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    });
    expect(claims).not.toHaveProperty('nonce');
    expect(JSON.stringify(claims.events)).toBe('{"http://schemas.openid.net/event/backchannel-logout":{}}');
  });

  it('are signed like OIDC ID tokens: the app’s RS256/ES256, RS256 for HS256 apps', () => {
    expect(logoutTokenAlg('ES256')).toBe('ES256');
    expect(logoutTokenAlg('RS256')).toBe('RS256');
    expect(logoutTokenAlg('HS256')).toBe('RS256');
  });
});

describe('delivery with a bounded retry', () => {
  function run(results: AttemptResult[]) {
    const sleeps: number[] = [];
    let calls = 0;
    const outcome = deliverWithRetry(
      async () => results[Math.min(calls++, results.length - 1)]!,
      DELIVERY_POLICY,
      async (ms) => void sleeps.push(ms),
    );
    return outcome.then((o) => ({ ...o, calls, sleeps }));
  }

  it('tries again after a network error and a 503, waiting 1 s then 4 s, and stops at the 200', async () => {
    const o = await run([{ error: 'connection refused' }, { status: 503 }, { status: 200 }]);
    expect(o).toMatchObject({ delivered: true, attempts: 3, calls: 3, sleeps: [1000, 4000], last: { status: 200 } });
  });

  it('gives up at once when the app refuses the token (400)', async () => {
    const o = await run([{ status: 400 }, { status: 200 }]);
    expect(o).toMatchObject({ delivered: false, attempts: 1, calls: 1, sleeps: [], last: { status: 400 } });
  });

  it('never follows a redirect and never retries one', async () => {
    const o = await run([{ status: 302 }]);
    expect(o).toMatchObject({ delivered: false, attempts: 1 });
  });

  it('stops after 3 tries of an app that keeps failing', async () => {
    const o = await run([{ status: 502 }]);
    expect(o).toMatchObject({ delivered: false, attempts: 3, calls: 3, sleeps: [1000, 4000], last: { status: 502 } });
  });

  it('for any answers: at most 3 tries, delivered exactly when a 2xx came before a final refusal', async () => {
    const answer = fc.oneof(
      fc.integer({ min: 100, max: 599 }).map((status): AttemptResult => ({ status })),
      fc.constantFrom<AttemptResult>({ error: 'timeout' }, { error: 'reset' }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(answer, { minLength: 1, maxLength: 6 }), async (answers) => {
        const o = await run(answers);
        expect(o.attempts).toBeLessThanOrEqual(DELIVERY_POLICY.attempts);
        expect(o.calls).toBe(o.attempts);
        expect(o.sleeps).toHaveLength(o.attempts - 1);
        const seen = Array.from({ length: o.attempts }, (_, i) => answers[Math.min(i, answers.length - 1)]!);
        const okAt = seen.findIndex((a) => 'status' in a && a.status >= 200 && a.status < 300);
        expect(o.delivered).toBe(okAt === o.attempts - 1);
        // Every try before the last one failed in a way worth retrying.
        for (const a of seen.slice(0, -1)) expect(isRetryable(a)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

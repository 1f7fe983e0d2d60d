// Signing keys exist before the first sign-in: registering an app creates them, so a relying
// party that fetched the JWKS right after registration never meets an unknown kid.
import { env } from 'cloudflare:workers';
import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { call } from '../helpers';
import { codeFor, oidcApp, redeem, signedIn, type TokenResponse } from './support';

describe('signing keys are never missing', () => {
  it('app registration creates the RS256 and ES256 keys, and the JWKS fetched then verifies the first ID token', async () => {
    const before = await env.DB.prepare("SELECT count(*) AS n FROM signing_keys").first<{ n: number }>();
    expect(before!.n).toBe(0);
    const app = await oidcApp({ signing_alg: 'ES256' });
    const { results } = await env.DB.prepare("SELECT alg FROM signing_keys WHERE state = 'active' ORDER BY alg").all<{ alg: string }>();
    expect(results.map((r) => r.alg)).toEqual(['ES256', 'RS256']);

    const cached = (await (await call('/.well-known/jwks.json')).json()) as { keys: { kid: string }[] };
    const { browser } = await signedIn();
    const tokens = (await (await redeem(app, await codeFor(browser, app))).json()) as TokenResponse;
    for (const token of [tokens.id_token, tokens.access_token]) {
      expect(cached.keys.map((k) => k.kid)).toContain(decodeProtectedHeader(token).kid);
    }
  });
});

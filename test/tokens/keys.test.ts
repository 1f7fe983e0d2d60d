// The issuer's signing keys as apps see them: the JWKS, the kid in token headers, stable keys
// across sign-ins; and the pure claim builder.
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { buildClaims } from '../../src/tokens/mint';
import { Browser, call, createApp, createUser, delivered, ORIGIN, PASSWORD } from '../helpers';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

async function jwks(): Promise<{ keys: JWK[] }> {
  const res = await call('/.well-known/jwks.json');
  expect(res.status).toBe(200);
  return res.json();
}

async function tokenFor(alg: string, browser = new Browser(), email?: string) {
  const app = await createApp({ signing_alg: alg });
  const userEmail = email ?? (await createUser()).email;
  const { params } = await delivered(await browser.signInThrough(`/sso/jwt/${app.client_id}`, userEmail, PASSWORD));
  expect(params.id_token).toBeTruthy();
  return { app, token: params.id_token!, browser, email: userEmail };
}

describe('the JWKS', () => {
  it('publishes one RS256 and one ES256 public key after sign-ins with each, with kid, alg and use, and no private members', async () => {
    const rs = await tokenFor('RS256');
    const es = await tokenFor('ES256');
    const { keys } = await jwks();

    const byAlg = (alg: string) => keys.filter((k) => k.alg === alg);
    expect(byAlg('RS256')).toHaveLength(1);
    expect(byAlg('ES256')).toHaveLength(1);
    expect(keys.filter((k) => k.alg === 'HS256' || k.kty === 'oct')).toEqual([]);

    for (const key of keys) {
      expect(key.kid).toEqual(expect.any(String));
      expect(key.use).toBe('sig');
      for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
    }
    const [rsa] = byAlg('RS256');
    expect(rsa).toMatchObject({ kty: 'RSA', e: 'AQAB', n: expect.any(String) });
    // A 2048-bit modulus: 256 bytes, 342 base64url characters.
    expect(rsa!.n!.length).toBeGreaterThanOrEqual(342);
    const [ec] = byAlg('ES256');
    expect(ec).toMatchObject({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String) });
    expect(rsa!.kid).not.toBe(ec!.kid);

    // Each token names its key, and the published key verifies it.
    for (const { app, token } of [rs, es]) {
      const header = decodeProtectedHeader(token);
      expect(keys.map((k) => k.kid)).toContain(header.kid);
      expect(keys.find((k) => k.kid === header.kid)!.alg).toBe(header.alg);
      const { payload } = await jwtVerify(token, createLocalJWKSet({ keys }), { issuer: ORIGIN, audience: app.client_id });
      expect(payload.aud).toBe(app.client_id);
    }
  });

  it('keeps the key stable: later sign-ins, for other apps and users, use the same kid', async () => {
    for (const alg of ['RS256', 'ES256']) {
      const first = await tokenFor(alg);
      const second = await tokenFor(alg);
      // The same browser, already signed in, for a third app.
      const third = await tokenFor(alg, first.browser, first.email);
      const kids = [first, second, third].map(({ token }) => decodeProtectedHeader(token).kid);
      expect(kids[0]).toBeTruthy();
      expect(new Set(kids).size).toBe(1);
    }
    const { keys } = await jwks();
    expect(keys.filter((k) => k.alg === 'RS256')).toHaveLength(1);
    expect(keys.filter((k) => k.alg === 'ES256')).toHaveLength(1);
  });

  it('matches the keys stored in D1, whose private halves are sealed', async () => {
    await tokenFor('RS256');
    await tokenFor('ES256');
    const { results } = await env.DB.prepare("select kid, alg, public_jwk, private_jwk_encrypted from signing_keys where state = 'active'").all<{
      kid: string;
      alg: string;
      public_jwk: string;
      private_jwk_encrypted: string;
    }>();
    const { keys } = await jwks();
    expect(results.map((r) => r.kid).sort()).toEqual(keys.map((k) => k.kid).sort());
    for (const row of results) {
      expect(row.private_jwk_encrypted).not.toMatch(/"d"\s*:/);
      expect(row.private_jwk_encrypted).toMatch(/^v2\./);
    }
  });

  it('never carries HS256 app secrets', async () => {
    const hs = await tokenFor('HS256');
    expect(decodeProtectedHeader(hs.token).kid).toBeUndefined();
    const text = JSON.stringify(await jwks());
    expect(text).not.toContain(hs.app.client_secret);
  });

  it('uses the kid as the RFC 7638 thumbprint of the public key', async () => {
    const { calculateJwkThumbprint } = await import('jose');
    await tokenFor('RS256');
    await tokenFor('ES256');
    for (const key of (await jwks()).keys) {
      expect(await calculateJwkThumbprint(key)).toBe(key.kid);
    }
  });
});

describe('buildClaims', () => {
  const profile = {
    email: 'ada@example.com',
    email_verified: true,
    name: 'Ada Lovelace',
    given_name: 'Ada',
    family_name: 'Lovelace',
    preferred_username: 'ada',
    groups: ['staff', 'eng'],
  };

  it('builds the id_token claims from the issuer, the app and the session', () => {
    const claims = buildClaims({
      issuer: 'https://sso.example.com',
      app: { clientId: 'billing', tokenTtlSeconds: 300, attributeMap: {} },
      session: { userId: 'user-1', authTime: 1_700_000_000, profile },
      now: 1_700_000_100,
      jti: 'jti-1',
    });
    expect(claims).toEqual({
      ...profile,
      iss: 'https://sso.example.com',
      sub: 'user-1',
      aud: 'billing',
      iat: 1_700_000_100,
      exp: 1_700_000_400,
      jti: 'jti-1',
      auth_time: 1_700_000_000,
    });
  });

  it('adds mapped attribute claims without replacing the core claims', () => {
    const claims = buildClaims({
      issuer: 'https://sso.example.com',
      app: { clientId: 'billing', tokenTtlSeconds: 60, attributeMap: { first_name: 'given_name', uid: 'sub', teams: 'groups' } },
      session: { userId: 'user-1', authTime: 1, profile },
      now: 100,
      jti: 'j',
    });
    expect(claims).toMatchObject({ first_name: 'Ada', uid: 'user-1', teams: ['staff', 'eng'], given_name: 'Ada', sub: 'user-1', aud: 'billing' });
  });

  it('always sets sub, aud, iss and a lifetime of exactly the app token TTL', () => {
    fc.assert(
      fc.property(
        fc.webUrl(),
        fc.string({ minLength: 1 }),
        fc.integer({ min: 30, max: 86_400 }),
        fc.uuid(),
        fc.integer({ min: 0, max: 2_000_000_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.uuid(),
        (issuer, clientId, ttl, userId, authTime, elapsed, jti) => {
          const now = authTime + elapsed;
          const claims = buildClaims({ issuer, app: { clientId, tokenTtlSeconds: ttl, attributeMap: {} }, session: { userId, authTime, profile }, now, jti });
          expect(claims.iss).toBe(issuer);
          expect(claims.sub).toBe(userId);
          expect(claims.aud).toBe(clientId);
          expect(claims.iat).toBe(now);
          expect(claims.exp - claims.iat).toBe(ttl);
          expect(claims.auth_time).toBeLessThanOrEqual(claims.iat);
          expect(claims.jti).toBe(jti);
        },
      ),
      { numRuns: 500 },
    );
  });
});

// The OpenID Provider's pure pieces, checked by the thousand against hostile input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { atHash } from '../../src/oidc/at-hash';
import { checkAuthorizationRequest, decideSession, resumePath } from '../../src/oidc/authorize-request';
import { idTokenClaims, scopedClaims } from '../../src/oidc/claims';
import { formDecode, parseBasic, parseClientAuth } from '../../src/oidc/client-auth';
import { singleValues } from '../../src/oidc/form';
import { isValidChallenge, s256, verifyPkce } from '../../src/oidc/pkce';
import { grantedScopes, SUPPORTED_SCOPES } from '../../src/oidc/scope';
import type { ProfileClaims } from '../../src/users/user';

const RUNS = { numRuns: 1000 };
const unreserved = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~'.split(''));
const verifierArb = fc.array(unreserved, { minLength: 43, maxLength: 128 }).map((chars) => chars.join(''));

describe('PKCE (S256)', () => {
  it('the challenge is unpadded base64url of SHA-256 (value from `openssl dgst -sha256 -binary | base64`)', async () => {
    expect(await s256('dBjftJeZ4CVP-mJ92K9ruyZhSqA2hZrC1H1iVt3J8Vk')).toBe('RVR02aVv4jq2CtJAp7kpd3uCArif_8NNKl7wjBkueng');
    expect(await verifyPkce('dBjftJeZ4CVP-mJ92K9ruyZhSqA2hZrC1H1iVt3J8Vk', 'RVR02aVv4jq2CtJAp7kpd3uCArif_8NNKl7wjBkueng')).toBe(true);
  });

  it('every valid verifier proves its own challenge and no other verifier does', async () => {
    await fc.assert(
      fc.asyncProperty(verifierArb, verifierArb, async (verifier, other) => {
        const challenge = await s256(verifier);
        expect(isValidChallenge(challenge)).toBe(true);
        expect(await verifyPkce(verifier, challenge)).toBe(true);
        if (other !== verifier) expect(await verifyPkce(other, challenge)).toBe(false);
      }),
      RUNS,
    );
  });

  it('plain (the challenge as verifier) and malformed verifiers never pass', async () => {
    await fc.assert(
      fc.asyncProperty(verifierArb, fc.string({ maxLength: 200 }), async (verifier, junk) => {
        const challenge = await s256(verifier);
        expect(await verifyPkce(challenge, challenge)).toBe(false);
        if (!/^[A-Za-z0-9._~-]{43,128}$/.test(junk)) expect(await verifyPkce(junk, challenge)).toBe(false);
      }),
      RUNS,
    );
  });
});

describe('at_hash', () => {
  it('is the base64url of the left half of SHA-256 (OIDC Core §3.1.3.6)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (token) => {
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
        const expected = btoa(String.fromCharCode(...digest.slice(0, 16))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
        expect(await atHash(token)).toBe(expected);
        expect(await atHash(token)).toHaveLength(22);
      }),
      RUNS,
    );
  });
});

const profileArb: fc.Arbitrary<ProfileClaims> = fc.record({
  email: fc.emailAddress(),
  email_verified: fc.boolean(),
  name: fc.string(),
  given_name: fc.string(),
  family_name: fc.string(),
  preferred_username: fc.string(),
  groups: fc.array(fc.string(), { maxLength: 5 }),
});
const SOURCES = ['sub', 'email', 'email_verified', 'name', 'given_name', 'family_name', 'preferred_username', 'groups'] as const;

describe('claims by scope', () => {
  it('releases exactly the claims of the granted scopes, and mappings never leak a withheld one', () => {
    fc.assert(
      fc.property(
        profileArb,
        fc.subarray([...SUPPORTED_SCOPES]),
        fc.dictionary(fc.stringMatching(/^x_[a-z]{1,8}$/), fc.constantFrom(...SOURCES), { maxKeys: 5 }),
        (profile, scopes, map) => {
          const claims = scopedClaims('user-1', profile, scopes, map);
          expect(claims.sub).toBe('user-1');
          const has = (claim: string) => claim in claims;
          expect(has('email')).toBe(scopes.includes('email'));
          expect(has('email_verified')).toBe(scopes.includes('email'));
          expect(has('groups')).toBe(scopes.includes('groups'));
          expect(has('preferred_username')).toBe(scopes.includes('profile') && profile.preferred_username !== '');
          if (!scopes.includes('profile')) for (const c of ['name', 'given_name', 'family_name']) expect(has(c)).toBe(false);
          for (const [claim, source] of Object.entries(map)) {
            const released = source === 'sub' || source in claims;
            expect(claim in claims).toBe(released);
            if (released) expect(claims[claim]).toEqual(source === 'sub' ? 'user-1' : claims[source]);
          }
        },
      ),
      RUNS,
    );
  });

  it('ID token claims: registered claims win over user claims, nonce only when sent', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string()), fc.option(fc.string({ minLength: 1 }), { nil: undefined }), (userClaims, nonce) => {
        const claims = idTokenClaims({ issuer: 'https://sso.test', clientId: 'app', userClaims: { ...userClaims, sub: 'u' }, authTime: 5, amr: ['pwd'], nonce, atHash: 'h', now: 10, ttlSeconds: 300 });
        expect(claims).toMatchObject({ iss: 'https://sso.test', aud: 'app', sub: 'u', iat: 10, exp: 310, auth_time: 5, amr: ['pwd'], at_hash: 'h' });
        expect('nonce' in claims).toBe(nonce !== undefined);
      }),
      RUNS,
    );
  });

  it('ID token claims: idp names the session\'s identity source, only when there is one, over any user claim', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string()), fc.option(fc.string({ minLength: 1 }), { nil: null }), (userClaims, source) => {
        const { idp: _ignored, ...others } = userClaims;
        const claims = idTokenClaims({ issuer: 'https://sso.test', clientId: 'app', userClaims: { ...others, sub: 'u' }, authTime: 5, amr: ['fed'], source, atHash: 'h', now: 10, ttlSeconds: 300 });
        expect('idp' in claims).toBe(source !== null);
        if (source !== null) {
          expect(claims.idp).toBe(source);
          expect(idTokenClaims({ issuer: 'i', clientId: 'app', userClaims: { idp: 'forged', sub: 'u' }, authTime: 5, amr: ['fed'], source, atHash: 'h', now: 10, ttlSeconds: 300 }).idp).toBe(source);
        }
      }),
      RUNS,
    );
  });
});

describe('scopes', () => {
  it('grants only supported scopes, in canonical order, whatever is asked', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...SUPPORTED_SCOPES), fc.string()), { maxLength: 10 }), (asked) => {
        const granted = grantedScopes(asked.join(' '));
        expect(granted.every((s) => asked.includes(s))).toBe(true);
        expect(granted).toEqual(SUPPORTED_SCOPES.filter((s) => granted.includes(s)));
      }),
      RUNS,
    );
  });
});

describe('client authentication parsing', () => {
  const credential = fc.string({ minLength: 1, maxLength: 60, unit: 'grapheme' });
  const formEncode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  const basicOf = (id: string, secret: string) => {
    const bytes = new TextEncoder().encode(`${formEncode(id)}:${formEncode(secret)}`);
    return `Basic ${btoa(String.fromCharCode(...bytes))}`;
  };

  it('Basic credentials round-trip through form encoding, whatever characters they hold', () => {
    fc.assert(
      fc.property(credential, credential, (id, secret) => {
        const parsed = parseClientAuth(basicOf(id, secret), {});
        expect(parsed).toEqual({ ok: true, credentials: { method: 'client_secret_basic', clientId: id, secret } });
      }),
      RUNS,
    );
  });

  it('"+" is a space and malformed percent-encodings are refused (RFC 6749 §2.3.1)', () => {
    expect(formDecode('a+b%2Bc')).toBe('a b+c');
    expect(formDecode('%E2%82%AC')).toBe('€');
    expect(formDecode('%zz')).toBeNull();
    expect(parseBasic(`Basic ${btoa('app:%')}`)).toMatch(/percent-encoding/);
  });

  it('hostile headers never throw: they parse or are refused as invalid_client', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ maxLength: 100 }).map((s) => `Basic ${s}`)), (header) => {
        const parsed = parseClientAuth(header, {});
        if (!parsed.ok) expect(parsed.error).toBe('invalid_client');
        else expect(parsed.credentials.method).toBe('client_secret_basic');
      }),
      RUNS,
    );
  });

  it('one method at a time, and the body may not contradict the header', () => {
    expect(parseClientAuth(basicOf('app', 's'), { client_secret: 's' })).toMatchObject({ ok: false, error: 'invalid_request', basic: true });
    expect(parseClientAuth(basicOf('app', 's'), { client_id: 'other' })).toMatchObject({ ok: false, error: 'invalid_client', basic: true });
    expect(parseClientAuth(undefined, { client_id: 'app', client_secret: 's' })).toEqual({ ok: true, credentials: { method: 'client_secret_post', clientId: 'app', secret: 's' } });
    expect(parseClientAuth(undefined, { client_id: 'app' })).toEqual({ ok: true, credentials: { method: 'none', clientId: 'app' } });
    expect(parseClientAuth(undefined, {})).toMatchObject({ ok: false, error: 'invalid_client', basic: false });
    expect(parseClientAuth('Bearer abc', {})).toMatchObject({ ok: false, error: 'invalid_client', basic: true });
  });
});

describe('authorization request checks', () => {
  const app = { clientId: 'app', redirectUrls: ['https://rp.example.com/cb', 'http://localhost:8080/cb'], tokenEndpointAuthMethod: 'client_secret_basic' as const };
  const params = fc.dictionary(
    fc.constantFrom('redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'prompt', 'max_age', 'code_challenge', 'code_challenge_method', 'response_mode', 'request', 'login_hint', 'x'),
    fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('https://rp.example.com/cb', 'https://rp.example.com/cb/', 'HTTPS://RP.EXAMPLE.COM/cb', 'https://rp.example.com@evil.test/cb', 'code', 'openid', 'none', 'login', 'S256', 'form_post')),
  );

  it('never sends anything to a redirect URI that is not registered', () => {
    fc.assert(
      fc.property(params, fc.array(fc.constantFrom('redirect_uri', 'state', 'scope'), { maxLength: 2 }), (values, repeated) => {
        const check = checkAuthorizationRequest({ values, repeated }, app);
        if (check.kind === 'page') return;
        const target = check.kind === 'ok' ? check.request.redirectUri : check.delivery.redirectUri;
        expect(app.redirectUrls).toContain(target);
        expect(repeated).not.toContain('redirect_uri');
      }),
      RUNS,
    );
  });

  it('an accepted request has openid, response_type=code, and an S256-shaped challenge if any', () => {
    fc.assert(
      fc.property(params, (values) => {
        const check = checkAuthorizationRequest({ values: { ...values, redirect_uri: 'https://rp.example.com/cb' }, repeated: [] }, app);
        if (check.kind !== 'ok') return;
        expect(values.response_type).toBe('code');
        expect(check.request.scopes).toContain('openid');
        if (check.request.codeChallenge !== null) expect(isValidChallenge(check.request.codeChallenge)).toBe(true);
        expect(values.request).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('a public client must send PKCE; plain is refused', () => {
    const base = { redirect_uri: 'https://rp.example.com/cb', response_type: 'code', scope: 'openid' };
    const pub = { ...app, tokenEndpointAuthMethod: 'none' as const };
    expect(checkAuthorizationRequest({ values: base, repeated: [] }, pub)).toMatchObject({ kind: 'error', error: 'invalid_request' });
    const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
    expect(checkAuthorizationRequest({ values: { ...base, code_challenge: challenge, code_challenge_method: 'plain' }, repeated: [] }, pub)).toMatchObject({ kind: 'error' });
    expect(checkAuthorizationRequest({ values: { ...base, code_challenge: challenge }, repeated: [] }, pub)).toMatchObject({ kind: 'error' });
    expect(checkAuthorizationRequest({ values: { ...base, code_challenge: challenge, code_challenge_method: 'S256' }, repeated: [] }, pub)).toMatchObject({ kind: 'ok' });
  });

  it('prompt and max_age decide between the session and a new sign-in', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.option(fc.nat(100_000), { nil: undefined }), fc.option(fc.nat(100_000), { nil: undefined }), (none, login, maxAge, age) => {
        fc.pre(!(none && login));
        const now = 1_000_000;
        const session = age === undefined ? null : { authTime: now - age };
        const decision = decideSession({ prompt: { none, login }, maxAge }, session, now);
        const fresh = session !== null && !login && (maxAge === undefined || age! <= maxAge);
        expect(decision).toBe(fresh ? 'issue' : none ? 'login_required' : 'sign-in');
      }),
      RUNS,
    );
  });

  it('the resumed request drops prompt and max_age and keeps the rest', () => {
    const path = resumePath('/oauth2/authorize', { client_id: 'a b', prompt: 'login', max_age: '0', state: 'x&y' });
    expect(Object.fromEntries(new URL(path, 'https://sso.test').searchParams)).toEqual({ client_id: 'a b', state: 'x&y' });
  });

  it('repeated parameters are reported, the first value kept', () => {
    expect(singleValues([['a', '1'], ['b', '2'], ['a', '3']])).toEqual({ values: Object.assign(Object.create(null), { a: '1', b: '2' }), repeated: ['a'] });
  });
});

// Attribute mapping: extra claim names an app asks for (first_name from given_name, …), checked
// when saved, added to the token without touching the standard claims.
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { ATTRIBUTE_SOURCES, checkAttributeMap, formatAttributeLines, parseAttributeLines } from '../../src/apps/attributes';
import { buildClaims } from '../../src/tokens/mint';
import { admin, Browser, call, createApp, createUser, delivered, PASSWORD } from '../helpers';

async function signInToken(app: { client_id: string; client_secret: string; signing_alg: string }, email: string, browser = new Browser()): Promise<JWTPayload> {
  const { params } = await delivered(await browser.signInThrough(`/sso/jwt/${app.client_id}`, email, PASSWORD));
  expect(params.id_token).toBeTruthy();
  const key = app.signing_alg === 'HS256' ? new TextEncoder().encode(app.client_secret) : createLocalJWKSet(await (await call('/.well-known/jwks.json')).json());
  const { payload } = await jwtVerify(params.id_token!, key as Uint8Array, { audience: app.client_id });
  return payload;
}

describe('attribute mapping end to end', () => {
  it.each(['HS256', 'ES256'])('adds the mapped claims to the token and keeps the standard ones (%s)', async (alg) => {
    const app = await createApp({ signing_alg: alg, attribute_map: { first_name: 'given_name', team: 'groups', uid: 'sub', mail: 'email' } });
    expect(app.attribute_map).toEqual({ first_name: 'given_name', team: 'groups', uid: 'sub', mail: 'email' });
    const user = await createUser({ given_name: 'Ada', family_name: 'Lovelace', groups: ['staff', 'eng'] });
    const claims = await signInToken(app, user.email);
    expect(claims).toMatchObject({
      first_name: 'Ada',
      team: ['staff', 'eng'],
      uid: user.id,
      mail: user.email,
      given_name: 'Ada',
      family_name: 'Lovelace',
      groups: ['staff', 'eng'],
      email: user.email,
      sub: user.id,
    });
  });

  it('sends only the standard claims without a mapping', async () => {
    const app = await createApp();
    const user = await createUser({ given_name: 'Ada', family_name: 'Lovelace' });
    const claims = await signInToken(app, user.email);
    expect(Object.keys(claims).sort()).toEqual(
      ['iss', 'sub', 'aud', 'iat', 'exp', 'jti', 'auth_time', 'amr', 'acr', 'email', 'email_verified', 'name', 'given_name', 'family_name', 'preferred_username', 'groups'].sort(),
    );
  });

  it('applies a changed mapping to the next token of a live session', async () => {
    const app = await createApp({ attribute_map: { first_name: 'given_name' } });
    const user = await createUser({ given_name: 'Ada', family_name: 'Lovelace' });
    const browser = new Browser();
    expect(await signInToken(app, user.email, browser)).toHaveProperty('first_name', 'Ada');
    const res = await admin('PATCH', `/apps/${app.client_id}`, { attribute_map: { last_name: 'family_name' } });
    expect(res.status).toBe(200);
    const { params } = await delivered(await browser.fetch(`/sso/jwt/${app.client_id}`));
    const { payload } = await jwtVerify(params.id_token!, new TextEncoder().encode(app.client_secret));
    expect(payload).toHaveProperty('last_name', 'Lovelace');
    expect(payload).not.toHaveProperty('first_name');
  });

  it.each<[string, unknown]>([
    ['a reserved claim', { email: 'given_name' }],
    ['a registered JWT claim', { exp: 'sub' }],
    ['an unknown user field', { first_name: 'phone' }],
    ['an invalid claim name', { 'first name': 'given_name' }],
    ['an array', ['given_name']],
    ['a string', 'first_name = given_name'],
    ['21 entries', Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`c${i}`, 'email']))],
  ])('is refused by the admin API when it holds %s (400 on attribute_map)', async (_, attribute_map) => {
    const res = await admin('POST', '/apps', { name: 'x', redirect_urls: ['https://a.example.com/'], attribute_map });
    expect(res.status).toBe(400);
    expect(Object.keys((await res.json<{ fields: Record<string, string> }>()).fields)).toEqual(['attribute_map']);
  });
});

describe('checkAttributeMap', () => {
  const RESERVED = ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'auth_time', 'azp', 'nonce', 'amr', 'acr', 'email', 'email_verified', 'name', 'given_name', 'family_name', 'preferred_username', 'groups'];

  it('accepts claim names with letters, digits, _ . : - mapped to any user field', () => {
    const map = { first_name: 'given_name', 'ext.team': 'groups', 'urn:uid': 'sub', 'x-mail': 'email', _private: 'name', Verified: 'email_verified' };
    expect(checkAttributeMap(map)).toEqual({ ok: true, map });
    expect(checkAttributeMap({})).toEqual({ ok: true, map: {} });
    for (const source of ATTRIBUTE_SOURCES) expect(checkAttributeMap({ mapped: source }).ok).toBe(true);
  });

  it.each(RESERVED)('refuses the reserved claim name %s', (claim) => {
    const result = checkAttributeMap({ [claim]: 'email' });
    expect(result).toEqual({ ok: false, reason: expect.stringContaining(`"${claim}" is a core claim`) });
  });

  it('refuses idp, which only edge-sso sets (an identity source sign-in), so a mapping cannot fake it', () => {
    expect(checkAttributeMap({ idp: 'email' })).toEqual({ ok: false, reason: expect.stringContaining('"idp" is set by edge-sso') });
  });

  it.each(['', '1st', 'first name', 'a/b', 'naïve', 'a'.repeat(65), 'x<y>', '-dash'])('refuses the claim name %j', (claim) => {
    const result = checkAttributeMap({ [claim]: 'email' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain('not a valid claim name');
  });

  it('accepts a 64-character claim name', () => {
    expect(checkAttributeMap({ ['a'.repeat(64)]: 'email' }).ok).toBe(true);
  });

  it.each<[unknown]>([['phone'], [''], ['EMAIL'], ['roles'], ['password_hash'], [42], [null], [['email']]])('refuses the source %j', (source) => {
    const result = checkAttributeMap({ first_name: source });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain('must map to one of');
  });

  it('allows at most 20 entries', () => {
    const entries = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`claim_${i}`, 'email']));
    expect(checkAttributeMap(entries(20)).ok).toBe(true);
    expect(checkAttributeMap(entries(21))).toEqual({ ok: false, reason: expect.stringContaining('at most 20') });
  });

  it.each<[unknown]>([[null], [undefined], [[]], ['first_name=given_name'], [7]])('refuses %j as a whole', (value) => {
    expect(checkAttributeMap(value).ok).toBe(false);
  });
});

describe('parseAttributeLines', () => {
  it('reads "claim = field" lines, with or without spaces, skipping blank lines and CRLF', () => {
    expect(parseAttributeLines('first_name = given_name\r\n\r\nteam=groups\n   \n  uid   =   sub  ')).toEqual({ first_name: 'given_name', team: 'groups', uid: 'sub' });
    expect(parseAttributeLines('')).toEqual({});
    expect(parseAttributeLines('\n \n')).toEqual({});
  });

  it('leaves the checking of names and fields to checkAttributeMap', () => {
    const parsed = parseAttributeLines('email = phone');
    expect(parsed).toEqual({ email: 'phone' });
    expect(checkAttributeMap(parsed).ok).toBe(false);
  });

  it.each([
    ['first_name', 1],
    ['first_name given_name', 1],
    ['= given_name', 1],
    ['first_name =', 1],
    ['first_name = given name', 1],
    ['a = b = c', 1],
    ['ok = email\nbroken', 2],
    ['ok = email\n\nbroken line', 3],
  ])('refuses %j, naming line %i', (text, line) => {
    expect(parseAttributeLines(text)).toBe(`line ${line} should look like "first_name = given_name"`);
  });

  it('round-trips with formatAttributeLines', () => {
    const map = { first_name: 'given_name', team: 'groups' };
    expect(formatAttributeLines(map)).toBe('first_name = given_name\nteam = groups');
    expect(parseAttributeLines(formatAttributeLines(map))).toEqual(map);
  });
});

describe('buildClaims with a mapping', () => {
  it('adds mapped claims but never lets a mapping replace a standard claim', () => {
    const claims = buildClaims({
      issuer: 'https://sso.test',
      // A map that bypassed validation still cannot overwrite email or sub.
      app: { clientId: 'c', tokenTtlSeconds: 300, attributeMap: { first_name: 'given_name', email: 'name', sub: 'email' } as never },
      session: {
        userId: 'user-1',
        authTime: 1000,
        profile: { email: 'ada@example.com', email_verified: true, name: 'Ada L', given_name: 'Ada', family_name: 'L', preferred_username: 'ada', groups: [] },
      },
      now: 2000,
      jti: 'j',
    });
    expect(claims).toMatchObject({ first_name: 'Ada', email: 'ada@example.com', sub: 'user-1', aud: 'c', exp: 2300 });
  });
});

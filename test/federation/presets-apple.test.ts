// Sign in with Apple: the client secret is an ES256 JWT the client signs with its .p8 key
// (iss = Team ID, sub = client/Services ID, aud = https://appleid.apple.com, kid = Key ID,
// exp at most 6 months after iat); the callback comes as a form POST, and the user's name only
// on the first sign-in, in the `user` form field.
//
// Apple's documentation:
// - https://developer.apple.com/documentation/accountorganizationaldatasharing/creating-a-client-secret
// - https://developer.apple.com/documentation/signinwithapple/request-an-authorization-to-the-sign-in-with-apple-server
// - https://developer.apple.com/documentation/signinwithapplerestapi/authenticating-users-with-sign-in-with-apple (ID token claims)
import { decodeProtectedHeader, exportPKCS8, generateKeyPair, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  APPLE_MAX_SECRET_SECONDS,
  apple,
  appleClientSecret,
  normalizeAppleClaims,
  parseAppleUser,
} from '../../src/federation/presets/apple';
import type { OidcProtocol } from '../../src/federation/types';

const TEAM_ID = 'A1B2C3D4E5';
const KEY_ID = 'ABC123DEFG';
const CLIENT_ID = 'com.example.signin';

let pem: string;
let publicKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  pem = await exportPKCS8(pair.privateKey);
  publicKey = pair.publicKey;
});

describe('Apple client secret', () => {
  it('is an ES256 JWT signed by the team’s key, with the claims Apple requires', async () => {
    const now = Math.floor(Date.now() / 1000);
    const secret = await appleClientSecret({ team_id: TEAM_ID, key_id: KEY_ID, private_key: pem, client_id: CLIENT_ID });
    const { payload, protectedHeader } = await jwtVerify(secret, publicKey, {
      algorithms: ['ES256'],
      issuer: TEAM_ID,
      subject: CLIENT_ID,
      audience: 'https://appleid.apple.com',
    });
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: KEY_ID });
    expect(payload.iat).toBeGreaterThanOrEqual(now - 5);
    expect(payload.exp! - payload.iat!).toBeGreaterThan(0);
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(APPLE_MAX_SECRET_SECONDS);
  });

  it('never lasts longer than Apple’s 6 months, whatever lifetime is asked for', async () => {
    const secret = await appleClientSecret({ team_id: TEAM_ID, key_id: KEY_ID, private_key: pem, client_id: CLIENT_ID, lifetime_seconds: 10 * APPLE_MAX_SECRET_SECONDS });
    const { payload } = await jwtVerify(secret, publicKey, { algorithms: ['ES256'] });
    expect(payload.exp! - payload.iat!).toBe(APPLE_MAX_SECRET_SECONDS);
  });

  it('does not verify with another key (the signature is real)', async () => {
    const other = await generateKeyPair('ES256');
    const secret = await appleClientSecret({ team_id: TEAM_ID, key_id: KEY_ID, private_key: pem, client_id: CLIENT_ID });
    await expect(jwtVerify(secret, other.publicKey)).rejects.toThrow(/signature/);
  });

  it('is made by the preset from the source’s team id, key id, private key and client id', async () => {
    const secret = await apple.client_secret!({ config: { team_id: TEAM_ID, key_id: KEY_ID }, secrets: { private_key: pem }, client_id: CLIENT_ID });
    const { payload } = await jwtVerify(secret, publicKey, { issuer: TEAM_ID, subject: CLIENT_ID, audience: 'https://appleid.apple.com' });
    expect(payload.sub).toBe(CLIENT_ID);
    expect(decodeProtectedHeader(secret).kid).toBe(KEY_ID);
  });

  it('checks a pasted key in the form: PEM framing, base64, and a P-256 key (not RSA)', async () => {
    const field = apple.fields.find((f) => f.name === 'private_key')!;
    expect(field.validate!(pem)).toBeNull();
    expect(field.validate!(`\n  ${pem}  \n`)).toBeNull();
    expect(field.validate!('MIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg')).toMatch(/BEGIN PRIVATE KEY/);
    expect(field.validate!('-----BEGIN PRIVATE KEY-----\n!!!not base64!!!\n-----END PRIVATE KEY-----')).toMatch(/BEGIN PRIVATE KEY|readable/);
    const rsa = await exportPKCS8((await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 })).privateKey);
    expect(field.validate!(rsa)).toMatch(/P-256/);
    const p384 = await exportPKCS8((await generateKeyPair('ES384', { extractable: true })).privateKey);
    expect(field.validate!(p384)).toMatch(/P-256/);
  });
});

describe('Apple callback and claims', () => {
  it('asks for the callback as a form POST and for name and email', () => {
    expect(apple.response_mode).toBe('form_post');
    expect(apple.default_scopes).toEqual(['openid', 'name', 'email']);
    expect((apple.protocol as OidcProtocol).issuer({ config: {}, secrets: {}, client_id: CLIENT_ID })).toBe('https://appleid.apple.com');
    expect((apple.protocol as OidcProtocol).token_auth).toBe('client_secret_post');
  });

  it('reads the name from the first sign-in’s `user` form field', () => {
    const user = JSON.stringify({ name: { firstName: 'Jane', lastName: 'Appleseed' }, email: 'jane@privaterelay.appleid.com' });
    expect(parseAppleUser(user)).toEqual({ given_name: 'Jane', family_name: 'Appleseed', name: 'Jane Appleseed' });
  });

  it.each([null, '', 'not json', '"a string"', '{"name":"Jane"}', '{"email":"x@example.com"}'])('reads no name from %j', (field) => {
    expect(parseAppleUser(field)).toEqual(parseAppleUser(null));
    expect(parseAppleUser(field).name).toBeUndefined();
  });

  it('turns Apple’s string booleans into booleans and adds the posted name', () => {
    const callback = new URLSearchParams({ code: 'c', state: 's', user: JSON.stringify({ name: { firstName: 'Jane', lastName: 'Appleseed' } }) });
    const claims = normalizeAppleClaims({ sub: '001234.abc', email: 'jane@privaterelay.appleid.com', email_verified: 'true', is_private_email: 'true' }, callback);
    expect(claims).toMatchObject({ email_verified: true, is_private_email: true, given_name: 'Jane', family_name: 'Appleseed', name: 'Jane Appleseed' });
    expect(normalizeAppleClaims({ sub: 'x', email_verified: 'false' }).email_verified).toBe(false);
    expect(normalizeAppleClaims({ sub: 'x' }).email_verified).toBe(false);
  });

  it('never lets the posted `user` field override a claim from the signed ID token', () => {
    const callback = new URLSearchParams({ user: JSON.stringify({ name: { firstName: 'Mallory', lastName: 'X' } }) });
    expect(normalizeAppleClaims({ sub: 'x', name: 'Signed Name' }, callback).name).toBe('Signed Name');
  });
});

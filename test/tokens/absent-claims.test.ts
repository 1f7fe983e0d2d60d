// A user without a given name, family name or display name gets tokens without those claims,
// never `"given_name": ""`: JWT SSO tokens, OIDC ID tokens and userinfo alike.
import { describe, expect, it } from 'vitest';
import { idTokenClaims, scopedClaims } from '../../src/oidc/claims';
import { buildClaims } from '../../src/tokens/mint';

const profile = {
  email: 'kim@example.com',
  email_verified: true,
  name: '',
  given_name: '',
  family_name: '',
  preferred_username: 'kim@example.com',
  groups: [],
};
const ABSENT = ['name', 'given_name', 'family_name', 'first_name'];

describe('claims the user does not have', () => {
  it('are left out of the JWT SSO token, mapped claims included', () => {
    const claims = buildClaims({
      issuer: 'https://sso.example.com',
      app: { clientId: 'billing', tokenTtlSeconds: 300, attributeMap: { first_name: 'given_name', mail: 'email' } },
      session: { userId: 'user-1', authTime: 1_700_000_000, profile },
      now: 1_700_000_100,
      jti: 'jti-1',
    });
    for (const claim of ABSENT) expect(claims).not.toHaveProperty(claim);
    expect(claims).toMatchObject({ email: 'kim@example.com', mail: 'kim@example.com', preferred_username: 'kim@example.com', sub: 'user-1' });
  });

  it('are left out of the OIDC ID token and userinfo (scopedClaims feeds both)', () => {
    const userClaims = scopedClaims('user-1', profile, ['openid', 'profile', 'email'], { first_name: 'given_name' });
    for (const claim of ABSENT) expect(userClaims).not.toHaveProperty(claim);
    expect(userClaims).toMatchObject({ sub: 'user-1', email: 'kim@example.com', preferred_username: 'kim@example.com' });
    const idToken = idTokenClaims({ issuer: 'https://sso.example.com', clientId: 'c', userClaims, authTime: 1, amr: ['pwd'], atHash: 'h', now: 2, ttlSeconds: 300 });
    for (const claim of ABSENT) expect(idToken).not.toHaveProperty(claim);
  });
});

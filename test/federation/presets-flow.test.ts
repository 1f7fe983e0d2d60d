// The flags the generic OIDC client reads from a preset (src/federation/presets/flow.ts):
// LinkedIn without PKCE and nonce and with client_secret_post, Apple and Auth0 with
// client_secret_post, Apple's and Entra's claim adjustments, and everyone else by discovery.
import { describe, expect, it } from 'vitest';
import { genericOidc } from '../../src/federation/generic';
import { PRESETS_BY_TYPE } from '../../src/federation/presets';
import { oidcFlow } from '../../src/federation/presets/flow';
import type { OidcProtocol, SourceType } from '../../src/federation/types';

const protocol = (type: SourceType) => (type === 'oidc' ? genericOidc : PRESETS_BY_TYPE.get(type)!).protocol as OidcProtocol;

describe('oidcFlow', () => {
  it('keeps PKCE and nonce on, and picks client authentication from discovery, for a plain OpenID Provider', () => {
    for (const type of ['oidc', 'google', 'okta', 'keycloak', 'adfs', 'entra'] as const) {
      expect(oidcFlow(protocol(type), ['client_secret_basic', 'client_secret_post'])).toMatchObject({ pkce: true, nonce: true, tokenAuth: 'client_secret_basic' });
    }
    expect(oidcFlow(protocol('oidc'), ['client_secret_post']).tokenAuth).toBe('client_secret_post');
    expect(oidcFlow(protocol('oidc'), ['private_key_jwt', 'client_secret_basic']).tokenAuth).toBe('client_secret_basic');
    // OpenID Connect Discovery: an absent list means client_secret_basic.
    expect(oidcFlow(protocol('oidc')).tokenAuth).toBe('client_secret_basic');
  });

  it('turns PKCE and nonce off for LinkedIn and uses client_secret_post whatever discovery says', () => {
    expect(oidcFlow(protocol('linkedin'), ['client_secret_basic'])).toMatchObject({ pkce: false, nonce: false, tokenAuth: 'client_secret_post' });
  });

  it('uses client_secret_post for Apple and Auth0', () => {
    expect(oidcFlow(protocol('apple'), ['client_secret_basic', 'client_secret_post']).tokenAuth).toBe('client_secret_post');
    expect(oidcFlow(protocol('auth0'), ['client_secret_basic', 'client_secret_post']).tokenAuth).toBe('client_secret_post');
  });

  it('applies the preset’s claim adjustments, and leaves other providers’ claims alone', () => {
    const callback = new URLSearchParams({ user: JSON.stringify({ name: { firstName: 'Jane', lastName: 'Appleseed' } }) });
    expect(oidcFlow(protocol('apple')).claims({ sub: 'a', email_verified: 'true' }, callback)).toMatchObject({ email_verified: true, name: 'Jane Appleseed' });
    expect(oidcFlow(protocol('entra')).claims({ sub: 'e', email_verified: true }, callback)).toMatchObject({ email_verified: false });
    const google = { sub: 'g', email_verified: true, name: 'G' };
    expect(oidcFlow(protocol('google')).claims(google, callback)).toBe(google);
  });
});

import { describe, expect, it } from 'vitest';
import { call } from '../helpers';

describe('discovery', () => {
  it.each(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'])('%s lists every endpoint and capability', async (path) => {
    const res = await call(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: 'https://sso.test',
      authorization_endpoint: 'https://sso.test/oauth2/authorize',
      token_endpoint: 'https://sso.test/oauth2/token',
      userinfo_endpoint: 'https://sso.test/oauth2/userinfo',
      jwks_uri: 'https://sso.test/.well-known/jwks.json',
      end_session_endpoint: 'https://sso.test/oauth2/logout',
      revocation_endpoint: 'https://sso.test/oauth2/revoke',
      introspection_endpoint: 'https://sso.test/oauth2/introspect',
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'form_post'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'ES256'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      scopes_supported: ['openid', 'profile', 'email', 'groups', 'offline_access'],
      authorization_response_iss_parameter_supported: true,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: false,
    });
    expect(doc.claims_supported).toEqual(expect.arrayContaining(['sub', 'email', 'email_verified', 'name', 'groups', 'auth_time', 'nonce', 'at_hash', 'amr']));
  });

  it('the issuer follows the request origin when ISSUER is empty, so tokens and discovery agree', async () => {
    const res = await call('https://other.test/.well-known/openid-configuration');
    expect(((await res.json()) as { issuer: string }).issuer).toBe('https://other.test');
  });

  it('the JWKS publishes an RS256 and an ES256 key before any token is signed', async () => {
    const { keys } = (await (await call('/.well-known/jwks.json')).json()) as { keys: { alg: string; kid: string }[] };
    expect(keys.map((k) => k.alg)).toEqual(expect.arrayContaining(['RS256', 'ES256']));
  });
});

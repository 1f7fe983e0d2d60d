// How a provider's refusal reaches the admin's Test connection: the kinds of failure oauth4webapi
// throws, classified by asUpstreamError (src/federation/errors.ts).
import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { asUpstreamError } from '../../src/federation/errors';

const challengeError = (status: number, header: string) => {
  const response = new Response('{}', { status, headers: { 'www-authenticate': header, 'content-type': 'application/json' } });
  const cause = [{ scheme: 'basic', parameters: Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!])) }];
  return new oauth.WWWAuthenticateChallengeError('server responded with a challenge in the WWW-Authenticate HTTP Header', { cause: cause as never, response });
};

describe('asUpstreamError', () => {
  it('reads invalid_client sent as a WWW-Authenticate challenge (node-oidc-provider, Keycloak) as a refused client', () => {
    const error = asUpstreamError(challengeError(401, 'Basic realm="acme", error="invalid_client", error_description="client authentication failed"'), 'Acme');
    expect(error.code).toBe('client_refused');
    expect(error.detail).toContain('invalid_client: client authentication failed (HTTP 401)');
  });

  it('reads a bare 401 challenge as a refused client too', () => {
    expect(asUpstreamError(challengeError(401, 'Basic realm="acme"'), 'Acme').code).toBe('client_refused');
  });

  it('keeps other challenges as an answer that cannot be trusted', () => {
    expect(asUpstreamError(challengeError(403, 'Bearer realm="acme"'), 'Acme').code).toBe('invalid_response');
  });
});

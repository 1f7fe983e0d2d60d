// What every bench needs on a fresh worker, made through the real admin API and login form: a
// user, an app per signing algorithm, a signed-in session, and an OIDC client.
import { randomBytes } from 'node:crypto';
import { adminClient } from '../scripts/local-worker.mjs';
import { REDIRECT, signIn } from './flows.mjs';

export const ALGS = ['HS256', 'ES256', 'RS256'];

export async function setUpFixture(base, token) {
  const api = adminClient(base, token);
  const email = `bench-${randomBytes(4).toString('hex')}@example.com`;
  const password = randomBytes(18).toString('base64url');
  await api('POST', '/users', { email, password, name: 'Bench User', given_name: 'Bench', family_name: 'User', email_verified: true });
  const apps = {};
  for (const alg of ALGS) {
    const app = await api('POST', '/apps', {
      client_id: `bench-${alg.toLowerCase()}`,
      name: `Bench ${alg}`,
      redirect_urls: [REDIRECT],
      signing_alg: alg,
      response_mode: 'query',
    });
    apps[alg] = app.client_id;
  }
  const cookie = await signIn(base, apps.HS256, email, password);
  // The OIDC client: ES256 ID tokens, client_secret_basic (the default), a long access token
  // lifetime so the userinfo route's token outlives the run.
  const oidc = await api('POST', '/apps', {
    client_id: 'bench-oidc',
    name: 'Bench OIDC',
    redirect_urls: [REDIRECT],
    signing_alg: 'ES256',
    token_ttl_seconds: 3600,
    token_endpoint_auth_method: 'client_secret_basic',
  });
  return { apps, cookie, email, password, oidc: { clientId: oidc.client_id, secret: oidc.client_secret } };
}

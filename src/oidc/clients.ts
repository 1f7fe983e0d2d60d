// Client authentication: the credentials a request carries (./client-auth.ts) checked against
// the registered app: its method, and its secret in constant time.
import type { ServedApp } from '../apps/cache';
import { loadServedApp } from '../apps/served';
import type { Bindings } from '../env';
import { utf8 } from '../lib/encoding';
import { parseClientAuth } from './client-auth';
import { OAuthError } from './errors';

const FAILED = 'Client authentication failed.';

/** Whether `secret` hashes to `digest`, compared in constant time. */
async function matchesDigest(secret: string, digest: ArrayBuffer | undefined): Promise<boolean> {
  const presented = await crypto.subtle.digest('SHA-256', utf8(secret));
  return digest !== undefined && crypto.subtle.timingSafeEqual(presented, digest);
}

/** The calling app, or an OAuthError (invalid_client → 401). */
export async function authenticateClient(env: Bindings, authorization: string | undefined, body: Record<string, string>): Promise<ServedApp> {
  const parsed = parseClientAuth(authorization, body);
  if (!parsed.ok) throw new OAuthError(parsed.error, parsed.description, parsed.basic);
  const { method, clientId, secret } = parsed.credentials;
  const basic = method === 'client_secret_basic';
  const app = await loadServedApp(env, clientId);
  if (!app) throw new OAuthError('invalid_client', FAILED, basic);
  if (app.tokenEndpointAuthMethod !== method) {
    const expected = app.tokenEndpointAuthMethod === 'none' ? 'none (a public client sends no secret)' : app.tokenEndpointAuthMethod;
    throw new OAuthError('invalid_client', `This client authenticates with ${expected}.`, basic);
  }
  // The secret's digest comes with the cached app record: no D1 round trip per token request.
  if (method !== 'none' && !(await matchesDigest(secret ?? '', app.secretDigest))) throw new OAuthError('invalid_client', FAILED, basic);
  return app;
}

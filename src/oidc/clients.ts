// Client authentication: the credentials a request carries (./client-auth.ts) checked against
// the registered app: its method, and its secret in constant time.
import type { ServedApp } from '../apps/cache';
import { loadServedApp } from '../apps/served';
import { readClientSecret } from '../apps/store';
import { database } from '../db/client';
import type { Bindings } from '../env';
import { constantTimeEqual } from '../lib/encoding';
import { parseClientAuth } from './client-auth';
import { OAuthError } from './errors';
import { keyring } from '../lib/secret-box';

const FAILED = 'Client authentication failed.';

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
  if (method !== 'none') {
    const registered = await readClientSecret(database(env.DB), keyring(env), clientId);
    if (!(await constantTimeEqual(secret ?? '', registered))) throw new OAuthError('invalid_client', FAILED, basic);
  }
  return app;
}

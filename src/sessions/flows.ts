// A pending sign-in: what the browser asked for before it was sent to the login page.
// Stored in KV for 10 minutes and used once.
import { randomToken } from '../lib/encoding';
import { kvKeys, kvTtl } from './kv';

export const FLOW_TTL_SECONDS = 600;

export interface Flow {
  /** Where to send the browser after sign-in: always a path on this origin, built by the server. */
  returnTo: string;
  /** The app the user is signing in to, for the login page's title and branding. */
  clientId?: string;
  /** The origin the browser will finally be sent to, allowed in the login page's CSP form-action. */
  targetOrigin?: string;
}

export async function createFlow(kv: KVNamespace, flow: Flow): Promise<string> {
  const id = randomToken(18);
  await kv.put(kvKeys.flow(id), JSON.stringify(flow), { expirationTtl: kvTtl(FLOW_TTL_SECONDS) });
  return id;
}

export async function readFlow(kv: KVNamespace, id: string | undefined): Promise<Flow | null> {
  if (!id || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) return null;
  return kv.get<Flow>(kvKeys.flow(id), 'json');
}

export async function deleteFlow(kv: KVNamespace, id: string): Promise<void> {
  await kv.delete(kvKeys.flow(id));
}

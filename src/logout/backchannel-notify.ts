// Back-channel logout delivery: a signed logout token to each app that registered a
// `backchannel_logout_uri`, after the response (waitUntil), with bounded retries, each outcome
// audited. The session store tells no app itself: it reports what ended, and ./backchannel.ts
// (or the route) calls this.
import { loadServedApp } from '../apps/served';
import { audit } from '../audit/audit';
import { issuerOf, type AppContext } from '../http/context';
import { nowSeconds } from '../lib/time';
import { deliverWithRetry, DELIVERY_POLICY, logoutTokenClaims, mintLogoutToken, postLogoutToken, type AttemptResult } from './backchannel-token';

/** Schedules a logout token to each app with a back-channel logout URI, after the response. */
export function notifyAppsOfLogout(c: AppContext, userId: string, clientIds: string[]): void {
  if (clientIds.length === 0) return;
  const issuer = issuerOf(c);
  c.executionCtx.waitUntil(Promise.all(clientIds.map((clientId) => notifyApp(c, issuer, userId, clientId))));
}

async function notifyApp(c: AppContext, issuer: string, userId: string, clientId: string): Promise<void> {
  let uri: string | null = null;
  try {
    const app = await loadServedApp(c.env, clientId);
    uri = app?.backchannelLogoutUri ?? null;
    if (!app || !uri) return;
    const claims = logoutTokenClaims({ issuer, clientId, userId, now: nowSeconds(), jti: crypto.randomUUID() });
    const token = await mintLogoutToken(c.env, claims, app.signingAlg);
    const target = uri;
    const outcome = await deliverWithRetry(() => postLogoutToken(target, token, DELIVERY_POLICY.timeoutMs));
    audit(c, {
      type: outcome.delivered ? 'logout.backchannel' : 'logout.backchannel.failure',
      actor: 'system',
      target: userId,
      detail: { client_id: clientId, uri, attempts: outcome.attempts, ...describe(outcome.last) },
    });
  } catch (error) {
    console.error('back-channel logout failed', clientId, error);
    audit(c, {
      type: 'logout.backchannel.failure',
      actor: 'system',
      target: userId,
      detail: { client_id: clientId, uri, attempts: 0, error: error instanceof Error ? error.message : String(error) },
    });
  }
}

function describe(result: AttemptResult): { status: number } | { error: string } {
  return 'status' in result ? { status: result.status } : { error: result.error };
}

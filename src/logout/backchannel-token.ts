// OIDC Back-Channel Logout 1.0: the logout token an app receives, and how it is delivered.
// The claims and the retry policy are pure; minting signs with the issuer's keys like ID tokens.
import { SignJWT } from 'jose';
import type { SigningAlg } from '../db/schema';
import type { Bindings } from '../env';
import { activeSigningKey, type AsymmetricAlg } from '../tokens/keys';

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** Short: the token is used at once, and retries end well within this. */
export const LOGOUT_TOKEN_TTL_SECONDS = 120;

export interface LogoutTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  iat: number;
  exp: number;
  jti: string;
  events: { [BACKCHANNEL_LOGOUT_EVENT]: Record<string, never> };
}

/** The logout token's claims (section 2.4): no `nonce`, which tells it apart from an ID token. */
export function logoutTokenClaims(input: { issuer: string; clientId: string; userId: string; now: number; jti: string }): LogoutTokenClaims {
  return {
    iss: input.issuer,
    aud: input.clientId,
    sub: input.userId,
    iat: input.now,
    exp: input.now + LOGOUT_TOKEN_TTL_SECONDS,
    jti: input.jti,
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
  };
}

/** Signed like the app's OIDC ID tokens: its RS256/ES256 key, and RS256 for an HS256 app (OIDC clients refuse HMAC here). */
export function logoutTokenAlg(appAlg: SigningAlg): AsymmetricAlg {
  return appAlg === 'HS256' ? 'RS256' : appAlg;
}

export async function mintLogoutToken(env: Bindings, claims: LogoutTokenClaims, appAlg: SigningAlg): Promise<string> {
  const key = await activeSigningKey(env, logoutTokenAlg(appAlg));
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: key.alg, typ: 'logout+jwt', kid: key.kid }).sign(key.privateKey);
}

// --- delivery ------------------------------------------------------------------------------------

export interface DeliveryPolicy {
  attempts: number;
  timeoutMs: number;
  /** The wait before the 2nd, 3rd… attempt. */
  delaysMs: readonly number[];
}

/** 3 tries, 5 s each, 1 s and 4 s apart: at most ~20 s, inside the 30 s a Worker may keep working after its response. */
export const DELIVERY_POLICY: DeliveryPolicy = { attempts: 3, timeoutMs: 5000, delaysMs: [1000, 4000] };

/** One attempt's result: the app's HTTP status, or why no status came back. */
export type AttemptResult = { status: number } | { error: string };

export interface DeliveryOutcome {
  delivered: boolean;
  attempts: number;
  /** The last attempt's result. */
  last: AttemptResult;
}

/**
 * Whether another attempt may succeed. 2xx is success (the spec asks for 200; 204 is common).
 * A 400 means the app refused the token, which sending it again will not change; a timeout,
 * a network error, 408, 425, 429 and 5xx are transient. A redirect is never followed.
 */
export function isRetryable(result: AttemptResult): boolean {
  if ('error' in result) return true;
  return result.status === 408 || result.status === 425 || result.status === 429 || result.status >= 500;
}

export const isDelivered = (result: AttemptResult) => 'status' in result && result.status >= 200 && result.status < 300;

/** Runs `attempt` until it succeeds, fails for good, or the policy's attempts are spent. */
export async function deliverWithRetry(
  attempt: () => Promise<AttemptResult>,
  policy: DeliveryPolicy = DELIVERY_POLICY,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<DeliveryOutcome> {
  let last: AttemptResult = { error: 'not attempted' };
  for (let n = 1; n <= policy.attempts; n++) {
    if (n > 1) await sleep(policy.delaysMs[Math.min(n - 2, policy.delaysMs.length - 1)] ?? 0);
    last = await attempt();
    if (isDelivered(last)) return { delivered: true, attempts: n, last };
    if (!isRetryable(last)) return { delivered: false, attempts: n, last };
  }
  return { delivered: false, attempts: policy.attempts, last };
}

/** One POST of the logout token (section 2.5: form-encoded `logout_token`), never following a redirect. */
export async function postLogoutToken(uri: string, logoutToken: string, timeoutMs: number): Promise<AttemptResult> {
  try {
    const res = await fetch(uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ logout_token: logoutToken }).toString(),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    return { status: res.status };
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    return { error: name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${timeoutMs / 1000} s` : String(error instanceof Error ? error.message : error) };
  }
}

// Cloudflare Turnstile on the sign-up form: when TURNSTILE_SITE_KEY and TURNSTILE_SECRET_KEY are
// set, the form carries the widget and the server verifies its answer with siteverify. Without
// them (local dev), the check is skipped: the per-address rate limit still applies.
export const SITEVERIFY_URL = 'https://challenges.cloudflare.com/turnstile/v0/siteverify';
export const TURNSTILE_SCRIPT = 'https://challenges.cloudflare.com/turnstile/v0/api.js';
/** The form field the widget fills in. */
export const TURNSTILE_FIELD = 'cf-turnstile-response';

export interface TurnstileEnv {
  TURNSTILE_SITE_KEY?: string;
  TURNSTILE_SECRET_KEY?: string;
}

/** The site key when Turnstile is configured (both keys set), else null. */
export function turnstileSiteKey(env: TurnstileEnv): string | null {
  return env.TURNSTILE_SITE_KEY?.trim() && env.TURNSTILE_SECRET_KEY?.trim() ? env.TURNSTILE_SITE_KEY.trim() : null;
}

/**
 * Whether the widget's answer is genuine. Skipped (true) when Turnstile is not configured. An
 * unreachable or malformed siteverify answer counts as a failure: the form is refused, not waved through.
 */
export async function verifyTurnstile(env: TurnstileEnv, response: unknown, ip: string, fetchFn: typeof fetch = (i, init) => fetch(i, init)): Promise<boolean> {
  if (!turnstileSiteKey(env)) return true;
  if (typeof response !== 'string' || response === '' || response.length > 2048) return false;
  const body = new FormData();
  body.set('secret', env.TURNSTILE_SECRET_KEY!.trim());
  body.set('response', response);
  if (ip) body.set('remoteip', ip);
  try {
    const res = await fetchFn(SITEVERIFY_URL, { method: 'POST', body, signal: AbortSignal.timeout(5000) });
    if (!res.ok) return false;
    const outcome = (await res.json()) as { success?: unknown };
    return outcome.success === true;
  } catch {
    return false;
  }
}

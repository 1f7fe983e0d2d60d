// The steps every sign-in protocol shares before its answer (the JWT SSO URL, the OIDC
// authorization endpoint, the SAML SSO service): which session may answer for the app, and
// whether its user may open the app now. Each protocol then answers in its own way: an
// id_token, a code, or a signed assertion (and its own way of telling the app it refused).
import { mayAccess } from '../access/policy';
import { sessionSubject } from '../access/subject';
import type { ServedApp } from '../apps/cache';
import type { AppContext } from '../http/context';
import { needsStepUp } from '../mfa/policy';
import { readSession, type Session } from '../sessions/sessions';

/**
 * The browser's session, if it may answer: none when the request demands a fresh sign-in, and
 * only one from `source` when the app (or the link) names an identity source. One KV read.
 */
export async function answeringSession(c: AppContext, options: { source?: string | null; fresh?: boolean }): Promise<Session | null> {
  if (options.fresh) return null;
  const found = await readSession(c);
  return found && (!options.source || found.source === options.source) ? found : null;
}

/** allowed: answer the app; denied: outside its access rule (403, nothing for the app); step-up: a second factor first. Pure, on cached data. */
export type Verdict = 'allowed' | 'denied' | 'step-up';

export function verdict(app: Pick<ServedApp, 'access' | 'mfa'>, session: Pick<Session, 'userId' | 'profile' | 'amr' | 'mfaRequired'>): Verdict {
  if (!mayAccess(app.access, sessionSubject(session))) return 'denied';
  if (needsStepUp(app, session)) return 'step-up';
  return 'allowed';
}

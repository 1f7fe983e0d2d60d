// The steps every sign-in protocol shares before its answer (the JWT SSO URL, the OIDC
// authorization endpoint, the SAML SSO service): which session may answer for the app, and
// whether its user may open the app now. Each protocol then answers in its own way: an
// id_token, a code, or a signed assertion (and its own way of telling the app it refused).
import { mayAccess } from '../access/policy';
import { sessionSubject } from '../access/subject';
import type { ServedApp } from '../apps/cache';
import type { Bindings } from '../env';
import type { AppContext } from '../http/context';
import type { Assurance } from '../mfa/assurance';
import { appAssurance } from '../mfa/step-up';
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

/** allowed: answer the app; denied: outside its access rule (403, nothing for the app); else the step-up the session needs first. */
export type Verdict = 'allowed' | 'denied' | Exclude<Assurance, 'ok'>;

/** The access rule, then assurance (src/mfa/assurance.ts): on cached data, no D1 query once warm. */
export async function verdict(env: Bindings, app: Pick<ServedApp, 'access' | 'mfa'>, session: Session): Promise<Verdict> {
  if (!mayAccess(app.access, sessionSubject(session))) return 'denied';
  const assurance = await appAssurance(env, app, session);
  return assurance === 'ok' ? 'allowed' : assurance;
}

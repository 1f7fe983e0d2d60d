// Sends a sign-in request without a usable session to sign in: to the app's primary identity
// source when it has one, else to the login page. The JWT SSO URL (src/sso/routes.tsx) and the
// OIDC authorization endpoint both call this, so one sign-in serves both protocols, and the
// pending sign-in's representation can change in one place.
import type { AppContext } from '../http/context';
import { createFlow } from '../sessions/flows';

export interface PendingSignIn {
  /** The request to resume after sign-in (a path on this origin). */
  returnTo: string;
  clientId: string;
  /** The redirect URL the browser will finally go to (its origin is let into the login page's CSP). */
  target: string;
  loginHint?: string;
  /** The identity source to sign in with (the app's primary source, or ?idp=); none: the login page. */
  source?: string | null;
  /** Ask the source to authenticate the user again even if they are signed in there (prompt=login). */
  forceLogin?: boolean;
}

export async function sendToLogin(c: AppContext, pending: PendingSignIn): Promise<Response> {
  const flow = await createFlow(c.env, { returnTo: pending.returnTo, clientId: pending.clientId, targetOrigin: new URL(pending.target).origin });
  if (pending.source) {
    return c.redirect(`/federation/${encodeURIComponent(pending.source)}/start?flow=${flow}${pending.forceLogin ? '&prompt=login' : ''}`, 303);
  }
  const hint = pending.loginHint ? `&login_hint=${encodeURIComponent(pending.loginHint)}` : '';
  return c.redirect(`/login?flow=${flow}${hint}`, 303);
}

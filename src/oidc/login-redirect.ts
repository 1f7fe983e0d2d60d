// Sends an authorization request without a usable session to the login page, the way the JWT SSO
// URL does (src/sso/routes.tsx), so one sign-in serves both protocols. One function, so the
// pending sign-in's representation can change in one place.
import type { AppContext } from '../http/context';
import { createFlow } from '../sessions/flows';

export async function sendToLogin(c: AppContext, pending: { returnTo: string; clientId: string; target: string; loginHint?: string }): Promise<Response> {
  const flow = await createFlow(c.env.KV, { returnTo: pending.returnTo, clientId: pending.clientId, targetOrigin: new URL(pending.target).origin });
  const hint = pending.loginHint ? `&login_hint=${encodeURIComponent(pending.loginHint)}` : '';
  return c.redirect(`/login?flow=${flow}${hint}`, 303);
}

// Step-up on the SSO URL and the OIDC authorization endpoint: a live session without a second
// factor, for an app that requires one, is sent to the second-factor page (not the password
// page), and comes back to the same request afterwards.
import type { AppContext } from '../http/context';
import type { ResponseMode } from '../db/schema';
import { createFlow } from '../sessions/flows';
import { deliver } from '../sso/deliver';
import { secondFactorUrl } from './sign-in';

export { needsStepUp } from './policy';

/** The redirect to the second-factor page, or with prompt=none the app's `interaction_required` error. */
export async function stepUp(
  c: AppContext,
  prompt: string | undefined,
  target: string,
  state: string | undefined,
  responseMode: ResponseMode,
  clientId: string,
  extra: Record<string, string> = {},
  /** The request to come back to (a path here); the current one by default. */
  returnTo?: string,
): Promise<Response> {
  if (prompt === 'none') return deliver(c, responseMode, target, { error: 'interaction_required', state, ...extra });
  const here = new URL(c.req.url);
  const flow = await createFlow(c.env, { returnTo: returnTo ?? here.pathname + here.search, clientId, targetOrigin: new URL(target).origin });
  return c.redirect(secondFactorUrl(flow), 303);
}

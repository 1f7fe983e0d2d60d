// What happens when a signed-in user may not open an app: the refusal is audited, and the person
// sees a branded 403 page that says so and leads to the apps they may open. The app gets no token.
import type { ServedApp } from '../apps/cache';
import { audit } from '../audit/audit';
import { brandingFor } from '../branding/page';
import type { AppContext } from '../http/context';
import { MessagePage } from '../ui/layout';

/** Where the refusal happened, for the audit entry. */
export type AccessCheckpoint = 'sso' | 'oidc.authorize' | 'oidc.token' | 'saml';

export function auditAccessDenied(c: AppContext, app: Pick<ServedApp, 'clientId'>, userId: string, via: AccessCheckpoint): void {
  audit(c, { type: 'access.denied', actor: userId, target: app.clientId, detail: { via } });
}

/** The 403 page for a signed-in user outside the app's access rule (audited). */
export async function accessDeniedPage(c: AppContext, app: ServedApp, userId: string, via: AccessCheckpoint) {
  auditAccessDenied(c, app, userId, via);
  c.header('Cache-Control', 'no-store');
  // The same SSO URL with prompt=login: a fresh sign-in, whose session replaces this one.
  const again = new URL(c.req.url);
  again.searchParams.set('prompt', 'login');
  return c.html(
    <MessagePage title="No access" branding={await brandingFor(c.env, app)} nonce={c.get('cspNonce')}>
      <p>
        You don't have access to <strong>{app.name}</strong>. Ask your administrator.
      </p>
      <p>
        <a href="/my-apps">Go to My apps</a> to see the applications you can open.
      </p>
      <p>
        <a href={again.pathname + again.search}>Sign in as someone else</a>
      </p>
    </MessagePage>,
    403,
  );
}

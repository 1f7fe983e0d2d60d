// The pages the SAML identity provider shows when it will not answer an SP: never a redirect,
// never a post to a URL that is not registered.
import type { ServedApp } from '../apps/cache';
import { brandingFor } from '../branding/page';
import type { AppContext } from '../http/context';
import { isConsoleAdmin } from '../mfa/step-up';
import { MessagePage } from '../ui/layout';

export async function unknownServiceProvider(c: AppContext) {
  return c.html(
    <MessagePage title="Unknown application" branding={await brandingFor(c.env)} nonce={c.get('cspNonce')}>
      <p>This SAML sign-in request comes from a service provider that is not registered here (its entity ID is not a SAML app’s). Ask the application’s administrator.</p>
    </MessagePage>,
    404,
  );
}

export async function invalidSamlRequest(c: AppContext, message: string, app?: ServedApp) {
  return c.html(
    <MessagePage title="Invalid sign-in request" branding={await brandingFor(c.env, app)} nonce={c.get('cspNonce')}>
      <p>{message}</p>
      <p class="muted">Go back to the application and start again, or tell its administrator.</p>
    </MessagePage>,
    400,
  );
}

/** An AssertionConsumerServiceURL the app has not registered: only an admin the console would let in sees the registered ones. */
export async function unregisteredAcs(c: AppContext, app: ServedApp, requested: string) {
  const isAdmin = await isConsoleAdmin(c);
  return c.html(
    <MessagePage title="Assertion consumer URL not registered" branding={await brandingFor(c.env, app)} nonce={c.get('cspNonce')}>
      <p>
        <strong>{app.name}</strong> asked to receive the sign-in at a URL that is not registered for it, so nothing is sent there.
      </p>
      {isAdmin ? (
        <>
          <p>
            Requested: <span class="url">{requested}</span>
          </p>
          <p>Registered assertion consumer service URLs (the request must name one exactly):</p>
          <ul class="urls">
            {app.redirectUrls.map((url) => (
              <li class="url">{url}</li>
            ))}
          </ul>
        </>
      ) : (
        <p class="muted">Tell the application's administrator. An edge-sso administrator who signs in and opens this link again sees the registered URLs.</p>
      )}
    </MessagePage>,
    400,
  );
}

// The pages the OpenID Provider shows people: refused sign-in requests and sign-out confirmation.
import type { AppContext } from '../http/context';
import { csrfToken } from '../http/csrf';
import { isConsoleAdmin } from '../mfa/step-up';
import { PostForm } from '../ui/components';
import { MessagePage } from '../ui/layout';

/**
 * A sign-in request that cannot be answered at the app (unknown client, bad redirect URI): a page,
 * never a redirect. Only an admin the console would let in sees the registered redirect URLs (as
 * on the SSO URL's page): to anyone else they would map the app's infrastructure.
 */
export async function refusedRequest(c: AppContext, props: { status: 400 | 404; title: string; message: string; registered?: readonly string[]; detail?: string }) {
  const registered = props.registered?.length ? props.registered : undefined;
  const showRegistered = registered !== undefined && (await isConsoleAdmin(c));
  return c.html(
    <MessagePage title={props.title}>
      <p>{props.message}</p>
      {registered && !showRegistered && <p class="muted">An edge-sso administrator who signs in and opens this link again sees the registered redirect URLs.</p>}
      {showRegistered && (
        <>
          <p>Registered redirect URLs (the request must match one exactly):</p>
          <ul class="urls">
            {registered.map((url) => (
              <li class="url">{url}</li>
            ))}
          </ul>
          {props.detail && <p class="muted">{props.detail}</p>}
        </>
      )}
      <p class="muted">Go back to the application and try again, or tell its administrator.</p>
    </MessagePage>,
    props.status,
  );
}

export function unknownClient(c: AppContext) {
  return refusedRequest(c, {
    status: 404,
    title: 'Unknown application',
    message: 'This sign-in request names an application that is not registered here. Check the link, or ask the application’s administrator.',
  });
}

/** Asks before signing out when the request cannot prove it came from the app the person uses. */
export function confirmSignOut(c: AppContext, fields: Record<string, string>, appName?: string) {
  return c.html(
    <MessagePage title="Sign out?">
      <p>{appName ? `${appName} asks to sign you out of single sign-on.` : 'Do you want to sign out of single sign-on?'}</p>
      <PostForm action="/oauth2/logout" csrf={csrfToken(c)}>
        <input type="hidden" name="confirm" value="yes" />
        {Object.entries(fields).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <button type="submit">Sign out</button>
      </PostForm>
      <p>
        <a href="/login">Stay signed in</a>
      </p>
    </MessagePage>,
  );
}

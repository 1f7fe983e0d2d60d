// The pages a person signing in sees.
import type { Branding } from '../policy/branding';
import { CSRF_FIELD } from '../http/csrf';
import { Page } from '../ui/layout';

export interface LoginPageProps {
  branding: Branding;
  nonce: string;
  csrf: string;
  appName?: string;
  /** The sign-in was started by opening the admin console: the page says so. */
  forConsole?: boolean;
  flow?: string;
  email?: string;
  error?: string;
  /** A way back shown under the error, e.g. to start an expired sign-in again. */
  errorLink?: { href: string; label: string };
  /** A directory source (LDAP, Active Directory) this form checks passwords against: login name or email. */
  directory?: { slug: string; name: string };
  /** Identity sources offered as "Continue with <name>". */
  sources?: { slug: string; name: string }[];
  /** Self sign-up is enabled: the page links to it. */
  signupOpen?: boolean;
}

export function LoginPage(props: LoginPageProps) {
  const title = props.forConsole ? 'Sign in to the admin console' : 'Sign in';
  return (
    <Page title={title} branding={props.branding} nonce={props.nonce}>
      <h1>{props.directory ? `Sign in with ${props.directory.name}` : title}</h1>
      <p class="muted">{props.appName ? `to continue to ${props.appName}` : props.forConsole ? 'with an account that has the admin role' : 'to your account'}</p>
      {props.error && (
        <div class="alert" role="alert">
          {props.error}
        </div>
      )}
      {props.errorLink && (
        <p>
          <a href={props.errorLink.href}>{props.errorLink.label}</a>
        </p>
      )}
      <form method="post" action="/login">
        <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
        {props.flow && <input type="hidden" name="flow" value={props.flow} />}
        {props.directory && <input type="hidden" name="source" value={props.directory.slug} />}
        <label for="email">{props.directory ? 'Username or email' : 'Email'}</label>
        <input id="email" name="email" type={props.directory ? 'text' : 'email'} autocomplete="username" required autofocus value={props.email ?? ''} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>
      {!props.directory && (
        <p>
          <a href="/password/forgot">Forgot your password?</a>
          {props.signupOpen && (
            <>
              {' · '}
              <a href="/signup">Create an account</a>
            </>
          )}
          {' · '}
          <a href={`/login/passkey${props.flow ? `?flow=${encodeURIComponent(props.flow)}` : ''}`}>Sign in with a passkey</a>
        </p>
      )}
      {!props.directory && props.sources && props.sources.length > 0 && (
        <div class="sources">
          <p class="muted">or</p>
          {props.sources.map((s) => (
            <a class="button secondary" href={`/federation/${encodeURIComponent(s.slug)}/start${props.flow ? `?flow=${encodeURIComponent(props.flow)}` : ''}`}>
              Continue with {s.name}
            </a>
          ))}
        </div>
      )}
    </Page>
  );
}

export function SignedOutPage(props: { note?: string; branding?: Branding; nonce?: string }) {
  return (
    <Page title="Signed out" branding={props.branding} nonce={props.nonce}>
      <h1>You are signed out</h1>
      <p>Your single sign-on session has ended. You can close this window.</p>
      {props.note && <p class="muted">{props.note}</p>}
      <a class="button" href="/login">
        Sign in again
      </a>
    </Page>
  );
}

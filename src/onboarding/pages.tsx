// The pages people meet through onboarding links and forms. Every form posts with a CSRF token.
import type { Branding } from '../policy/branding';
import { Checkbox, Field, PostForm, type Errors } from '../ui/components';
import { DocumentHead, HtmlDocument, Page } from '../ui/layout';
import { TURNSTILE_SCRIPT } from './turnstile';

interface Common {
  branding: Branding;
  nonce: string;
}

/** A one-time link that did not work: what happened, and how to get a new one. */
export function LinkProblemPage(props: Common & { gone: boolean; again: { href: string; label: string; hint?: string } }) {
  return (
    <Page title={props.gone ? 'This link has expired' : 'This link is not valid'} branding={props.branding} nonce={props.nonce}>
      <h1>{props.gone ? 'This link has expired' : 'This link is not valid'}</h1>
      <p>
        {props.gone
          ? 'This link was already used or is too old. Each link works once, for a limited time.'
          : 'This link is incomplete or unknown. Check that you opened the whole link from the message.'}
      </p>
      {props.again.hint && <p>{props.again.hint}</p>}
      <p>
        <a class="button" href={props.again.href}>
          {props.again.label}
        </a>
      </p>
    </Page>
  );
}

export function MessageOnly(props: Common & { title: string; paragraphs: string[]; link?: { href: string; label: string }; status?: 'notice' | 'alert' }) {
  return (
    <Page title={props.title} branding={props.branding} nonce={props.nonce}>
      <h1>{props.title}</h1>
      {props.paragraphs.map((p) => (
        <p>{p}</p>
      ))}
      {props.link && (
        <p>
          <a class="button" href={props.link.href}>
            {props.link.label}
          </a>
        </p>
      )}
    </Page>
  );
}

/** Choose a password: the invitation and the reset link lead here. */
export function SetPasswordPage(props: Common & { title: string; intro: string; action: string; token: string; csrf: string; email: string; error?: string; button: string; sources?: { slug: string; name: string }[]; offerFactorRemoval?: boolean }) {
  return (
    <Page title={props.title} branding={props.branding} nonce={props.nonce}>
      <h1>{props.title}</h1>
      <p>{props.intro}</p>
      {props.error && (
        <div class="alert" role="alert" id="password-error">
          {props.error}
        </div>
      )}
      <PostForm action={props.action} csrf={props.csrf}>
        <input type="hidden" name="token" value={props.token} />
        {/* Lets password managers save the new password under the right account. */}
        <input type="email" name="username" value={props.email} autocomplete="username" readonly hidden />
        <label for="password">New password</label>
        <input id="password" name="password" type="password" autocomplete="new-password" required minlength={8} aria-describedby={props.error ? 'password-error password-hint' : 'password-hint'} />
        <p class="hint" id="password-hint">
          At least 8 characters. Very common passwords are refused.
        </p>
        {props.offerFactorRemoval && (
          <Checkbox name="remove_factors" label="Also remove all my second factors (authenticator app, passkeys, recovery codes) and sign out everywhere. Choose this if someone else may have used your account." />
        )}
        <button type="submit">{props.button}</button>
      </PostForm>
      {props.sources && props.sources.length > 0 && (
        <div class="sources">
          <p class="muted">or sign in with an account you already have; it will be connected to this one</p>
          {props.sources.map((s) => (
            <PostForm action="/invite/source" csrf={props.csrf}>
              <input type="hidden" name="token" value={props.token} />
              <input type="hidden" name="source" value={s.slug} />
              <button type="submit" class="secondary">
                Continue with {s.name}
              </button>
            </PostForm>
          ))}
        </div>
      )}
    </Page>
  );
}

/** A button that uses a link: mail scanners open links with GET, so only a POST may consume one. */
export function ConfirmPage(props: Common & { title: string; intro: string; action: string; token: string; csrf: string; button: string }) {
  return (
    <Page title={props.title} branding={props.branding} nonce={props.nonce}>
      <h1>{props.title}</h1>
      <p>{props.intro}</p>
      <PostForm action={props.action} csrf={props.csrf}>
        <input type="hidden" name="token" value={props.token} />
        <button type="submit">{props.button}</button>
      </PostForm>
    </Page>
  );
}

export function SignupPage(props: Common & { csrf: string; values: { name: string; email: string }; errors?: Errors; domains: string[]; siteKey: string | null; error?: string }) {
  return (
    <Page title="Create an account" branding={props.branding} nonce={props.nonce}>
      <h1>Create an account</h1>
      {props.domains.length > 0 && <p class="muted">For addresses at {props.domains.join(', ')}.</p>}
      {props.error && (
        <div class="alert" role="alert">
          {props.error}
        </div>
      )}
      <PostForm action="/signup" csrf={props.csrf}>
        <Field name="name" label="Name" value={props.values.name} errors={props.errors} required autocomplete="name" />
        <Field name="email" label="Email" type="email" value={props.values.email} errors={props.errors} required autocomplete="email" />
        <Field name="password" label="Password" type="password" errors={props.errors} required autocomplete="new-password" hint="At least 8 characters. Very common passwords are refused." />
        {props.siteKey && (
          <>
            <div class="cf-turnstile" data-sitekey={props.siteKey}></div>
            <script src={TURNSTILE_SCRIPT} nonce={props.nonce} async defer></script>
          </>
        )}
        <button type="submit">Create account</button>
      </PostForm>
      <p>
        Already have an account? <a href="/login">Sign in</a>
      </p>
    </Page>
  );
}

export function ForgotPasswordPage(props: Common & { csrf: string; email: string; error?: string }) {
  return (
    <Page title="Forgot your password?" branding={props.branding} nonce={props.nonce}>
      <h1>Forgot your password?</h1>
      <p>Enter the email address of your account. We will send you a link to choose a new password.</p>
      {props.error && (
        <div class="alert" role="alert">
          {props.error}
        </div>
      )}
      <PostForm action="/password/forgot" csrf={props.csrf}>
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" required autofocus value={props.email} />
        <button type="submit">Send the link</button>
      </PostForm>
      <p>
        <a href="/login">Back to sign-in</a>
      </p>
    </Page>
  );
}

export function EmailChangePage(props: Common & { csrf: string; current: string; newEmail: string; needsPassword: boolean; errors?: Errors }) {
  return (
    <Page title="Change your email address" branding={props.branding} nonce={props.nonce}>
      <h1>Change your email address</h1>
      <p>
        Your account uses <strong>{props.current}</strong>. We will send a link to the new address; the change happens when you open it, and we tell the
        current address.
      </p>
      <PostForm action="/account/email" csrf={props.csrf}>
        <Field name="email" label="New email address" type="email" value={props.newEmail} errors={props.errors} required autocomplete="email" />
        {props.needsPassword && <Field name="password" label="Current password" type="password" errors={props.errors} required autocomplete="current-password" />}
        <button type="submit">Send the confirmation link</button>
      </PostForm>
      <p>
        <a href="/my-apps">Back to My apps</a>
      </p>
    </Page>
  );
}

/**
 * The step from the invite page's POST to a source's sign-in. Not a 303: CSP form-action would
 * then cover the upstream's origin too (browsers apply it through redirects), so the browser is
 * sent on by a refresh, with a link for when it does not follow.
 */
export function ContinuePage(props: { href: string; sourceName: string }) {
  return (
    <HtmlDocument>
      <DocumentHead title={`Continue with ${props.sourceName}`}>
        <meta http-equiv="refresh" content={`0;url=${props.href}`} />
      </DocumentHead>
      <body>
        <main>
          <div class="card">
            <h1>Continue with {props.sourceName}</h1>
            <p>
              <a class="button" href={props.href}>
                Continue with {props.sourceName}
              </a>
            </p>
          </div>
        </main>
      </body>
    </HtmlDocument>
  );
}

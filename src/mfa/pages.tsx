// The pages of the second factor: the code form, and the passkey button (./browser-script.ts).
import { raw } from 'hono/html';
import type { Branding } from '../policy/branding';
import { CSRF_FIELD } from '../http/csrf';
import { Page } from '../ui/layout';
import { WEBAUTHN_SCRIPT } from './browser-script';

/** A form whose button runs a WebAuthn ceremony and posts the result; the options travel as JSON data. */
export function PasskeyForm(props: { action: string; csrf: string; nonce: string; options: unknown; mode: 'create' | 'get'; label: string; flow?: string; children?: unknown }) {
  // JSON inside <script> must not be able to close it: "<" is escaped.
  const json = JSON.stringify(props.options).replace(/</g, '\\u003c');
  return (
    <form method="post" action={props.action} class="passkey">
      <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
      {props.flow && <input type="hidden" name="flow" value={props.flow} />}
      <input type="hidden" name="response" value="" />
      {props.children as never}
      <button type="button" data-webauthn={props.mode} hidden>
        {props.label}
      </button>
      <p id="webauthn-status" class="muted" role="status"></p>
      <script type="application/json" id="webauthn-options">
        {raw(json)}
      </script>
      <script nonce={props.nonce}>{raw(WEBAUTHN_SCRIPT)}</script>
    </form>
  );
}

export interface SecondFactorPageProps {
  branding: Branding;
  nonce: string;
  csrf: string;
  flow?: string;
  email: string;
  appName?: string;
  error?: string;
  /** Options for the passkey button, when the user has passkeys. */
  passkeyOptions?: unknown;
  hasTotp: boolean;
}

export function SecondFactorPage(props: SecondFactorPageProps) {
  return (
    <Page title="Confirm it's you" branding={props.branding} nonce={props.nonce}>
      <h1>Confirm it's you</h1>
      <p class="muted">
        Signing in as <strong>{props.email}</strong>
        {props.appName ? ` to ${props.appName}` : ''}. Use your second factor.
      </p>
      {props.error && (
        <div class="alert" role="alert">
          {props.error}
        </div>
      )}
      {props.passkeyOptions !== undefined && (
        <PasskeyForm action="/login/mfa/passkey" csrf={props.csrf} nonce={props.nonce} options={props.passkeyOptions} mode="get" label="Use a passkey" flow={props.flow} />
      )}
      <form method="post" action="/login/mfa">
        <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
        {props.flow && <input type="hidden" name="flow" value={props.flow} />}
        <label for="code">{props.hasTotp ? 'Code from your authenticator app, or a recovery code' : 'Recovery code'}</label>
        <input id="code" name="code" type="text" inputmode={props.hasTotp ? 'numeric' : 'text'} autocomplete="one-time-code" required autofocus maxlength={32} />
        <button type="submit">Continue</button>
      </form>
      <p>
        <a href="/login">Cancel and sign in as someone else</a>
      </p>
    </Page>
  );
}

export function PasskeySignInPage(props: { branding: Branding; nonce: string; csrf: string; flow?: string; options: unknown; error?: string; appName?: string }) {
  return (
    <Page title="Sign in with a passkey" branding={props.branding} nonce={props.nonce}>
      <h1>Sign in with a passkey</h1>
      <p class="muted">{props.appName ? `to continue to ${props.appName}` : 'to your account'}</p>
      {props.error && (
        <div class="alert" role="alert">
          {props.error}
        </div>
      )}
      <PasskeyForm action="/login/passkey" csrf={props.csrf} nonce={props.nonce} options={props.options} mode="get" label="Sign in with a passkey" flow={props.flow} />
      <p>
        <a href={props.flow ? `/login?flow=${encodeURIComponent(props.flow)}` : '/login'}>Sign in with a password instead</a>
      </p>
    </Page>
  );
}

// The Account page's view: second factors, recovery codes, sessions and password.
import { raw } from 'hono/html';
import type { Branding } from '../policy/branding';
import { PasskeyForm } from '../mfa/pages';
import type { Passkey } from '../mfa/webauthn';
import { PostForm } from '../ui/components';
import { CopyScript } from '../ui/copy-script';
import { Page } from '../ui/layout';

export interface TotpEnrolment {
  secret: string;
  uri: string;
  /** The QR code of `uri`, an SVG made on the server (no image request, no third party). */
  qrSvg: string;
}

export interface AccountPageProps {
  branding: Branding;
  nonce: string;
  csrf: string;
  email: string;
  flow?: string;
  /** Why the user is here during a sign-in: a required policy. */
  mustEnrol: boolean;
  notice?: string;
  error?: string;
  totpConfirmed: boolean;
  enrolment?: TotpEnrolment;
  passkeys: Passkey[];
  registrationOptions: unknown;
  recoveryCodesLeft: number;
  sessions: { idHash: string; createdAt: number; expiresAt: number; current: boolean }[];
  hasPassword: boolean;
}

const when = (t: number) => new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

function Totp(props: AccountPageProps) {
  if (props.totpConfirmed) {
    return (
      <>
        <p>An authenticator app is set up.</p>
        <PostForm action="/account/totp/remove" csrf={props.csrf}>
          <button type="submit" class="secondary">
            Remove the authenticator app
          </button>
        </PostForm>
      </>
    );
  }
  const e = props.enrolment!;
  return (
    <>
      <p>Scan this code with an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password, …), then type the code it shows.</p>
      <div class="qr" role="img" aria-label="QR code of the authenticator key">
        {raw(e.qrSvg)}
      </div>
      <p>
        Or enter this key by hand: <code id="totp-secret">{e.secret}</code>
      </p>
      <p>
        <a href={e.uri}>Open in an authenticator or password manager</a>
      </p>
      <form method="post" action="/account/totp">
        <input type="hidden" name="csrf" value={props.csrf} />
        {props.flow && <input type="hidden" name="flow" value={props.flow} />}
        <label for="totp-code">Code from the app</label>
        <input id="totp-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength={8} required />
        <button type="submit">Turn on</button>
      </form>
    </>
  );
}

export function AccountPage(props: AccountPageProps) {
  return (
    <Page title="Account" branding={props.branding} nonce={props.nonce} wide>
      <h1>Account</h1>
      <p>
        Signed in as <strong>{props.email}</strong>. <a href="/my-apps">My apps</a>
      </p>
      {props.mustEnrol && (
        <div class="alert" role="alert">
          Your administrator requires a second factor to sign in. Set up an authenticator app or a passkey below to continue.
        </div>
      )}
      {props.error && (
        <div class="alert" role="alert">
          {props.error}
        </div>
      )}
      {props.notice && (
        <p class="notice" role="status">
          {props.notice}
        </p>
      )}

      <h2>Authenticator app</h2>
      <Totp {...props} />

      <h2>Passkeys</h2>
      {props.passkeys.length === 0 ? (
        <p class="muted">No passkeys yet.</p>
      ) : (
        <ul aria-label="Passkeys">
          {props.passkeys.map((p) => (
            <li>
              <strong>{p.name}</strong> <span class="muted">added {when(p.createdAt)}{p.backedUp ? ', synced' : ''}</span>
              <PostForm action="/account/passkeys/remove" csrf={props.csrf}>
                <input type="hidden" name="id" value={p.id} />
                <button type="submit" class="secondary">
                  Remove {p.name}
                </button>
              </PostForm>
            </li>
          ))}
        </ul>
      )}
      <PasskeyForm action="/account/passkeys" csrf={props.csrf} nonce={props.nonce} options={props.registrationOptions} mode="create" label="Add a passkey" flow={props.flow}>
        <label for="passkey-name">Name for the new passkey</label>
        <input id="passkey-name" name="name" type="text" maxlength={60} placeholder="e.g. Work laptop" />
      </PasskeyForm>

      <h2>Recovery codes</h2>
      {props.totpConfirmed || props.passkeys.length > 0 ? (
        <>
          <p>
            {props.recoveryCodesLeft > 0
              ? `${props.recoveryCodesLeft} unused recovery code${props.recoveryCodesLeft === 1 ? '' : 's'} left.`
              : 'No recovery codes. Make some, in case you lose your phone or passkey.'}
          </p>
          <PostForm action="/account/recovery-codes" csrf={props.csrf}>
            <button type="submit" class="secondary">
              {props.recoveryCodesLeft > 0 ? 'Make new recovery codes (the old ones stop working)' : 'Make recovery codes'}
            </button>
          </PostForm>
        </>
      ) : (
        <p>Recovery codes back up an authenticator app or a passkey. Add one above, and its recovery codes come with it.</p>
      )}

      <h2>Sessions</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Signed in</th>
            <th scope="col">Expires</th>
            <th scope="col">
              <span class="visually-hidden">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.sessions.map((s) => (
            <tr>
              <td>
                {when(s.createdAt)}
                {s.current ? ' (this browser)' : ''}
              </td>
              <td>{when(s.expiresAt)}</td>
              <td>
                <PostForm action="/account/sessions/end" csrf={props.csrf}>
                  <input type="hidden" name="session" value={s.idHash} />
                  <button type="submit" class="secondary">
                    {s.current ? 'Sign out here' : 'End session'}
                  </button>
                </PostForm>
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      {props.hasPassword && (
        <>
          <h2>Password</h2>
          <PostForm action="/account/password" csrf={props.csrf}>
            <label for="current-password">Current password</label>
            <input id="current-password" name="current_password" type="password" autocomplete="current-password" required />
            <label for="new-password">New password</label>
            <input id="new-password" name="new_password" type="password" autocomplete="new-password" minlength={8} required />
            <button type="submit">Change password</button>
            <p class="hint">Changing it signs you out everywhere else.</p>
          </PostForm>
        </>
      )}

      <h2>Email address</h2>
      <p>
        <a href="/account/email">Change your email address</a>: a link is sent to the new address, and a notice to the current one.
      </p>
    </Page>
  );
}

const ADDED = { totp: 'The authenticator app is on.', passkey: 'The passkey was added.' } as const;
const fileName = (product: string) => `${product.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'edge-sso'}-recovery-codes.txt`;

/** A new set of recovery codes, shown once, to copy or download; then on to `next`. */
export function RecoveryCodesPage(props: { branding: Branding; nonce: string; codes: string[]; next: string; added?: 'totp' | 'passkey' }) {
  const text = props.codes.join('\n');
  return (
    <Page title="Recovery codes" branding={props.branding} nonce={props.nonce}>
      {props.added && (
        <div class="notice" role="status">
          {ADDED[props.added]} Now save your recovery codes.
        </div>
      )}
      <h1>Your recovery codes</h1>
      <p>
        Each code signs you in once when you cannot use your authenticator app or passkey (a lost phone, a broken key). Save them somewhere safe now, away from this device: they are not shown
        again.
      </p>
      <ul class="codes" aria-label="Recovery codes">
        {props.codes.map((code) => (
          <li>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <div class="actions">
        <a class="button secondary inline" href={`data:text/plain;charset=utf-8,${encodeURIComponent(`${props.branding.productName} recovery codes\n\n${text}\n`)}`} download={fileName(props.branding.productName)}>
          Download
        </a>
        <button type="button" class="secondary inline" data-copy={text}>
          Copy
        </button>
      </div>
      <p>
        <a class="button" href={props.next}>
          I have saved them
        </a>
      </p>
      <CopyScript nonce={props.nonce} />
    </Page>
  );
}

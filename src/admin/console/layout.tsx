// The console's page shell: navigation, the signed-in admin, and the copy-button script.
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { CSRF_FIELD } from '../../http/csrf';
import { DocumentHead, HtmlDocument } from '../../ui/layout';
import type { ConsoleContext } from './context';
import { isCurrentSection, NAVIGATION } from './navigation';

// Progressive enhancement only: everything works without it, copying is just quicker with it.
const COPY_SCRIPT = `document.addEventListener('click', function (e) {
  var b = e.target.closest && e.target.closest('[data-copy]');
  if (!b || !navigator.clipboard) return;
  navigator.clipboard.writeText(b.getAttribute('data-copy')).then(function () {
    var t = b.textContent; b.textContent = 'Copied'; setTimeout(function () { b.textContent = t; }, 1500);
  });
});`;

/**
 * The sidebar: sections grouped by task, the current one marked (aria-current). It sits in a
 * <details> so that on a phone it collapses behind "Menu" without any script; on a wide screen
 * the stylesheet keeps it open and hides the toggle (see consoleStylesheet).
 */
function ConsoleNavigation(props: { path: string }) {
  const current = NAVIGATION.flatMap((g) => g.links).find(([href]) => isCurrentSection(href, props.path));
  return (
    <details class="console-menu">
      <summary>
        Menu{current && <span class="muted"> · {current[1]}</span>}
      </summary>
      <nav aria-label="Sections">
        {NAVIGATION.map((group) => (
          <>
            {group.heading && <h2 class="nav-heading">{group.heading}</h2>}
            <ul>
              {group.links.map(([href, label]) => (
                <li>
                  <a href={href} aria-current={isCurrentSection(href, props.path) ? 'page' : undefined}>
                    {label}
                  </a>
                </li>
              ))}
            </ul>
          </>
        ))}
      </nav>
    </details>
  );
}

export function ConsolePage(props: { c: ConsoleContext; title: string; notice?: string; children: Child }) {
  const admin = props.c.get('admin');
  return (
    <HtmlDocument>
      <DocumentHead title={`${props.title} · edge-sso admin`} />
      <body>
        <a class="skip-link" href="#content">
          Skip to content
        </a>
        <header class="console-header">
          <div class="inner">
            <a class="product" href="/admin">
              edge-sso admin
            </a>
            <span class="muted">
              {admin.profile.email} · <a href="/sso/logout">Sign out</a>
            </span>
          </div>
        </header>
        <div class="console-frame">
          <ConsoleNavigation path={new URL(props.c.req.url).pathname} />
          <main class="console-main" id="content">
            <h1>{props.title}</h1>
            {props.notice && (
              <div class="notice" role="status">
                {props.notice}
              </div>
            )}
            {props.children}
          </main>
        </div>
        {/* raw: a script is not HTML-decoded, so JSX escaping would break it. The text is a constant. */}
        <script nonce={props.c.get('cspNonce')}>{raw(COPY_SCRIPT)}</script>
      </body>
    </HtmlDocument>
  );
}

/** Confirmation for every destructive action: a page with one POST button and a way back. */
export function ConfirmPage(props: { c: ConsoleContext; title: string; message: Child; action: string; button: string; back: string; csrf: string }) {
  return (
    <ConsolePage c={props.c} title={props.title}>
      <div class="card">
        <p>{props.message}</p>
        <div class="actions">
          <form method="post" action={props.action}>
            <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
            <button type="submit" class="danger">
              {props.button}
            </button>
          </form>
          <a class="button secondary inline" href={props.back}>
            Cancel
          </a>
        </div>
      </div>
    </ConsolePage>
  );
}

/** Notices carried across the 303 after a POST, as a fixed code in the query (never free text). */
export const NOTICES = {
  created: 'Application created. Reveal its client secret below and put it in the app’s configuration.',
  saved: 'Changes saved.',
  rotated: 'A new client secret was issued and signs from now on. Reveal it below and update the app; the previous secret stays valid until the time shown.',
  secret_retired: 'The old secret was retired: only the current secret is valid now.',
  no_changes: 'Nothing changed, so nothing was saved.',
  session_ended: 'The session was ended.',
  user_created: 'User created.',
  password_set: 'Password changed; the user was signed out everywhere.',
  signed_out: 'The user was signed out everywhere.',
  disabled: 'User disabled and signed out everywhere.',
  enabled: 'User enabled.',
  unlocked: 'Account unlocked.',
  key_rotated: 'A new signing key is active. The previous key stays in the JWKS until its tokens have expired.',
  key_published: 'A new signing key is published in the JWKS and starts signing after the activation delay. The current key signs until then.',
  deleted: 'Deleted.',
  reencrypted: 'Every stored value is encrypted with the current key-encryption key: the previous one can be deleted.',
  reencrypt_incomplete: 'Some stored values could not be re-encrypted: no key this deployment holds opens them.',
  test_email_sent: 'The test email was accepted for delivery. Check the inbox (and the spam folder).',
  test_email_failed: 'The test email was not sent. The reason is in the latest email events below.',
  factors_reset: 'The user’s second factors were removed, and the user was signed out everywhere.',
} as const;

export function noticeFrom(c: ConsoleContext): string | undefined {
  const code = c.req.query('notice');
  // Own properties only: `?notice=constructor` must not find Object.prototype.constructor.
  return code && Object.hasOwn(NOTICES, code) ? NOTICES[code as keyof typeof NOTICES] : undefined;
}

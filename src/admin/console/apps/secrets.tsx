// Console: an application's client secrets. Reveal is a CSRF-checked POST (it is audited, so it
// must not happen on a GET a link or prefetch can trigger). Rotation keeps the previous secret
// valid for a grace period; "Retire old secret" ends it early.
import type { Hono } from 'hono';
import { hasClientSecret, requireClientSecret, type App } from '../../../apps/app';
import { DEFAULT_SECRET_GRACE_SECONDS, readClientSecrets, retirePreviousSecret, rotateClientSecret, type ClientSecrets } from '../../../apps/secrets';
import { audit } from '../../../audit/audit';
import { dbOf } from '../../../http/context';
import { csrfToken } from '../../../http/csrf';
import { RequestError } from '../../../lib/errors';
import { Copyable, PostForm, Select } from '../../../ui/components';
import { actorOf, formText, type ConsoleContext, type ConsoleEnv } from '../context';
import { ConfirmPage, ConsolePage } from '../layout';
import { keyring } from '../../../lib/secret-box';

const appPath = (app: App) => `/admin/apps/${encodeURIComponent(app.clientId)}`;
export const utcTime = (seconds: number) => new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

const GRACE_OPTIONS = [
  [String(DEFAULT_SECRET_GRACE_SECONDS), '24 hours (recommended)'],
  ['3600', '1 hour'],
  ['604800', '7 days'],
  ['0', 'None: the old secret stops verifying at once'],
] as const;

function Hidden(props: { label: string }) {
  return <code aria-label={`${props.label} (hidden)`}>••••••••••••</code>;
}

/** What the secret is for, by what the app was added as: an OIDC client's token endpoint credential, and/or the HS256 key. */
export function secretHint(app: App): string {
  const signs = app.signingAlg === 'HS256' ? 'It signs this app’s tokens (HS256), so the app verifies them with it. ' : '';
  if (app.kind === 'jwt_sso') {
    return app.signingAlg === 'HS256'
      ? `${signs}Keep it on the server.`
      : 'JWT SSO does not use it: tokens are signed with the issuer’s key (verify them with the JWKS). Keep it secret anyway: it is also this client’s OpenID Connect credential.';
  }
  return `The app’s credential at the token endpoint (${app.tokenEndpointAuthMethod}), when it exchanges an authorization code or refresh token. ${signs}Keep it on the server.`;
}

/**
 * The secret rows of the overview. `revealed` holds the plain secrets after a Reveal POST;
 * `previousExpiresAt` says whether an old secret is still in its grace period.
 */
export function SecretDetails(props: { c: ConsoleContext; app: App; revealed?: ClientSecrets; previousExpiresAt: number | null }) {
  const { app, revealed } = props;
  const base = appPath(app);
  const expiresAt = revealed ? (revealed.previous?.expiresAt ?? null) : props.previousExpiresAt;
  if (!hasClientSecret(app)) {
    return (
      <>
        <dt>Client secret</dt>
        <dd>
          <p class="hint">None: a public client (token endpoint authentication “none”) proves itself with PKCE, not a secret.</p>
        </dd>
      </>
    );
  }
  return (
    <>
      <dt>Client secret</dt>
      <dd>
        {revealed ? (
          <Copyable value={revealed.current} label="client secret" id="client-secret" />
        ) : (
          <div class="copyable">
            <Hidden label="client secret" />
            <PostForm action={`${base}/reveal-secret`} csrf={csrfToken(props.c)}>
              <button type="submit" class="secondary small">
                Reveal
              </button>
            </PostForm>
          </div>
        )}
        <p class="hint" id="client-secret-hint">
          {secretHint(app)}
        </p>
      </dd>
      {expiresAt !== null && (
        <>
          <dt>Previous secret</dt>
          <dd id="previous-secret">
            {revealed?.previous ? <Copyable value={revealed.previous.secret} label="previous client secret" id="previous-client-secret" /> : <Hidden label="previous client secret" />}
            <p class="hint">
              Still valid for verification until <strong>{utcTime(expiresAt)}</strong>: apps that list both secrets accept tokens signed before the rotation. Once every app instance has the new
              secret,{' '}
              <a href={`${base}/retire-secret`}>retire the old secret</a>.
            </p>
          </dd>
        </>
      )}
    </>
  );
}

/** The secret routes, added to the application pages; `overview` renders an app's overview page. */
export function addSecretRoutes(pages: Hono<ConsoleEnv>, find: (c: ConsoleContext) => Promise<App>, overview: (c: ConsoleContext, app: App, revealed?: ClientSecrets) => Promise<Response>) {
  pages.post('/:clientId/reveal-secret', async (c) => {
    const app = await find(c);
    requireClientSecret(app);
    const secrets = await readClientSecrets(dbOf(c), keyring(c.env), app.clientId);
    audit(c, { type: 'app.secret.reveal', actor: actorOf(c), target: app.clientId });
    c.header('Cache-Control', 'no-store');
    return overview(c, app, secrets);
  });

  pages.get('/:clientId/rotate-secret', async (c) => {
    const app = await find(c);
    requireClientSecret(app);
    const base = appPath(app);
    return c.html(
      <ConsolePage c={c} title={`Rotate the secret of ${app.name}?`}>
        <PostForm action={`${base}/rotate-secret`} csrf={csrfToken(c)} class="card">
          <p>
            A new secret is issued at once and {app.signingAlg === 'HS256' ? 'signs this app’s tokens from now on' : 'replaces the current one'}: give it to the app right away. The
            current secret stays valid for verification during the grace period, so the app can list both (the Flask kit takes them in <code>EDGE_SSO_CLIENT_SECRETS</code>, new
            first) and tokens issued before the rotation keep verifying.
          </p>
          <Select name="grace_seconds" label="Keep the old secret valid for" value={String(DEFAULT_SECRET_GRACE_SECONDS)} options={GRACE_OPTIONS} />
          <div class="actions">
            <button type="submit" class="danger inline">
              Rotate secret
            </button>
            <a class="button secondary inline" href={base}>
              Cancel
            </a>
          </div>
        </PostForm>
      </ConsolePage>,
    );
  });

  pages.post('/:clientId/rotate-secret', async (c) => {
    const app = await find(c);
    requireClientSecret(app);
    const grace = GRACE_OPTIONS.find(([value]) => value === formText(c, 'grace_seconds'))?.[0] ?? String(DEFAULT_SECRET_GRACE_SECONDS);
    await rotateClientSecret(dbOf(c), keyring(c.env), app.clientId, Number(grace));
    audit(c, { type: 'app.secret.rotate', actor: actorOf(c), target: app.clientId, detail: { grace_seconds: Number(grace) } });
    return c.redirect(`${appPath(app)}?notice=rotated`, 303);
  });

  pages.get('/:clientId/retire-secret', async (c) => {
    const app = await find(c);
    return c.html(
      <ConfirmPage
        c={c}
        title={`Retire the old secret of ${app.name}?`}
        message="The previous secret stops being valid now. Do this once every instance of the app is configured with the new secret: tokens the app checks only against the old one would be refused."
        action={`${appPath(app)}/retire-secret`}
        button="Retire old secret"
        back={appPath(app)}
        csrf={csrfToken(c)}
      />,
    );
  });

  pages.post('/:clientId/retire-secret', async (c) => {
    const app = await find(c);
    if (!(await retirePreviousSecret(dbOf(c), app.clientId))) throw new RequestError(409, 'conflict', 'This application has no previous secret to retire: it has already expired or been retired.');
    audit(c, { type: 'app.secret.retire', actor: actorOf(c), target: app.clientId });
    return c.redirect(`${appPath(app)}?notice=secret_retired`, 303);
  });
}

// Console: an application's Test SSO tab: runs the sign-in for the admin with the app's settings
// and shows the token the app would receive, verified.
import { Hono } from 'hono';
import { resolveRedirect } from '../../../apps/redirects';
import { loadServedApp } from '../../../apps/served';
import { audit } from '../../../audit/audit';
import { issuerOf } from '../../../http/context';
import { csrfToken } from '../../../http/csrf';
import { nowSeconds } from '../../../lib/time';
import { redirectUrlWith } from '../../../sso/deliver';
import { mintIdToken } from '../../../tokens/mint';
import { inspectIdToken } from '../../../tokens/verify';
import { Copyable, Field, PostForm } from '../../../ui/components';
import { ConsolePage } from '../layout';
import { actorOf, formText, type ConsoleContext, type ConsoleEnv } from '../context';
import { AppTabs, findApp } from './tabs';

export const appTestPages = new Hono<ConsoleEnv>();

function Json(props: { value: unknown }) {
  return <pre>{JSON.stringify(props.value, null, 2)}</pre>;
}

/** GET shows the form; only the CSRF-checked POST runs the test (it mints a token and is audited). */
async function testPage(c: ConsoleContext, run: boolean) {
  const app = await findApp(c);
  const base = `/admin/apps/${encodeURIComponent(app.clientId)}`;
  const requested = run ? formText(c, 'redirect_uri') : undefined;
  let result = null;
  if (run) {
    const resolved = resolveRedirect(app.redirectUrls, requested === '' ? undefined : requested);
    if (!resolved.ok) {
      result = (
        <div class="card">
          <h2>Redirect URL rejected</h2>
          <div class="alert" role="alert">
            edge-sso would show an error page and not redirect: <span class="url">{requested}</span> is not registered for this app.
          </div>
          <p>{resolved.explanation}</p>
        </div>
      );
    } else {
      const served = (await loadServedApp(c.env, app.clientId))!;
      const state = 'test-sso';
      const token = await mintIdToken(c.env, served, c.get('admin'), issuerOf(c));
      const inspection = await inspectIdToken(c.env, app, token, issuerOf(c));
      audit(c, { type: 'app.test', actor: actorOf(c), target: app.clientId });
      const exp = typeof inspection.claims.exp === 'number' ? inspection.claims.exp : 0;
      result = (
        <div class="card" id="test-result">
          <h2>What {app.name} would receive</h2>
          <dl class="details">
            <dt>Delivery</dt>
            <dd>
              {app.responseMode === 'form_post' ? (
                <>
                  A POST to <span class="url">{resolved.url}</span> with the form fields <code>id_token</code> and <code>state</code>
                </>
              ) : (
                <span class="url">{redirectUrlWith(app.responseMode, resolved.url, { id_token: token, state })}</span>
              )}
            </dd>
            <dt>Signature</dt>
            <dd id="signature-check">
              {inspection.error ? (
                <span class="badge warn">Not valid: {inspection.error}</span>
              ) : (
                <span class="badge ok">Valid {app.signingAlg} signature; iss, aud and exp check out</span>
              )}
            </dd>
            <dt>Time left</dt>
            <dd>{Math.max(0, exp - nowSeconds())} seconds (expires {new Date(exp * 1000).toISOString()})</dd>
            <dt>Header</dt>
            <dd>
              <Json value={inspection.header} />
            </dd>
            <dt>Claims</dt>
            <dd id="claims">
              <Json value={inspection.claims} />
            </dd>
            <dt>Token</dt>
            <dd>
              <Copyable value={token} label="token" />
            </dd>
          </dl>
        </div>
      );
    }
  }
  return c.html(
    <ConsolePage c={c} title={app.name}>
      <AppTabs app={app} current="test" />
      <PostForm action={`${base}/test`} csrf={csrfToken(c)} class="card">
        <p>Runs the sign-in for you ({c.get('admin').profile.email}) with this app's settings, and shows the token the app would receive and whether it verifies.</p>
        <Field
          name="redirect_uri"
          label="Redirect URL"
          value={requested ?? app.redirectUrls[0] ?? ''}
          hint={`Registered: ${app.redirectUrls.join(', ')}. Try another URL to see why it would be rejected.`}
        />
        <button type="submit" class="inline">
          Run Test SSO
        </button>
      </PostForm>
      {result}
    </ConsolePage>,
  );
}

appTestPages.get('/:clientId/test', (c) => testPage(c, false));
appTestPages.post('/:clientId/test', (c) => {
  c.header('Cache-Control', 'no-store');
  return testPage(c, true);
});

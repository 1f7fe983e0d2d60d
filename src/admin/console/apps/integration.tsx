// Console: an application's Integration tab: copyable snippets for its kind of client.
import { Hono } from 'hono';
import { issuerOf } from '../../../http/context';
import { ConsolePage } from '../layout';
import { type ConsoleEnv } from '../context';
import { AppTabs, findApp } from './tabs';
import { authlibSnippet, discoveryUrl, flaskSnippet, nodeSnippet, openidClientSnippet } from './snippets';

export const appIntegrationPages = new Hono<ConsoleEnv>();

appIntegrationPages.get('/:clientId/integration', async (c) => {
  const app = await findApp(c);
  const values = { issuer: issuerOf(c), app };
  return c.html(
    <ConsolePage c={c} title={app.name}>
      <AppTabs app={app} current="integration" />
      <div class="card">
        <h2>Flask</h2>
        <p>
          Copy <code>examples/flask/edge_sso.py</code> from the edge-sso repository into your app (it needs Flask and PyJWT{app.signingAlg === 'HS256' ? '' : ' with cryptography'}), then:
        </p>
        <pre id="flask-snippet">{flaskSnippet(values)}</pre>
        <button type="button" class="secondary small" data-copy={flaskSnippet(values)}>
          Copy Flask snippet
        </button>
      </div>
      <div class="card">
        <h2>Node.js with jose</h2>
        <pre id="node-snippet">{nodeSnippet(values)}</pre>
        <button type="button" class="secondary small" data-copy={nodeSnippet(values)}>
          Copy Node snippet
        </button>
      </div>
      <div class="card">
        <h2>OpenID Connect</h2>
        <p>
          Any OIDC client library works with this app's client ID and the discovery URL <code id="discovery-url">{discoveryUrl(values.issuer)}</code>.
        </p>
        <h3>Flask with Authlib</h3>
        <pre id="authlib-snippet">{authlibSnippet(values)}</pre>
        <button type="button" class="secondary small" data-copy={authlibSnippet(values)}>
          Copy Authlib snippet
        </button>
        <h3>Node.js with openid-client</h3>
        <pre id="openid-client-snippet">{openidClientSnippet(values)}</pre>
        <button type="button" class="secondary small" data-copy={openidClientSnippet(values)}>
          Copy openid-client snippet
        </button>
      </div>
    </ConsolePage>,
  );
});

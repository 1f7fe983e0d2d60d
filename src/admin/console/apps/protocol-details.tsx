// Console: the rows of an application's overview that belong to one protocol. An app added as
// JWT SSO shows its SSO URL and the Flask snippet; one added as an OpenID Connect client shows
// what an OIDC library is configured with. An app of no stated kind shows both.
import type { App } from '../../../apps/app';
import { appEndpoints } from '../../../apps/app';
import { oidcPaths } from '../../../oidc/config';
import { Copyable } from '../../../ui/components';
import { SourceUrls } from '../identity-sources/parts';
import type { ConsoleContext } from '../context';
import { discoveryUrl, flaskSnippet } from './snippets';

const AUTH_METHOD_TEXT = {
  client_secret_basic: 'client_secret_basic: the client ID and secret in an HTTP Basic Authorization header',
  client_secret_post: 'client_secret_post: the client ID and secret in the token request’s form body',
  none: 'none: a public client, proven by PKCE (no secret)',
} as const;

export const showsJwtSso = (app: App) => app.kind !== 'oidc_web' && app.kind !== 'oidc_public';
export const showsOidc = (app: App) => app.kind !== 'jwt_sso';

export function JwtSsoDetails(props: { c: ConsoleContext; app: App; issuer: string }) {
  const { app } = props;
  const endpoints = appEndpoints(props.issuer, app.clientId);
  return (
    <>
      <dt>SSO URL</dt>
      <dd>
        <Copyable value={endpoints.sso_url} label="SSO URL" id="sso-url" />
        <p class="hint">Send the browser here with a registered redirect_uri and a state; the signed id_token comes back on the redirect URL.</p>
      </dd>
      <SourceUrls c={props.c} ssoUrl={endpoints.sso_url} primary={app.identitySource} />
      <dt>Logout URL</dt>
      <dd>
        <Copyable value={endpoints.logout_url} label="logout URL" />
      </dd>
      <dt>Token delivery</dt>
      <dd>{app.responseMode}</dd>
      {app.kind === 'jwt_sso' && (
        <>
          <dt>Flask</dt>
          <dd>
            <pre id="flask-snippet">{flaskSnippet({ issuer: props.issuer, app })}</pre>
            <button type="button" class="secondary small" data-copy={flaskSnippet({ issuer: props.issuer, app })}>
              Copy Flask snippet
            </button>
            <p class="hint">
              With <code>examples/flask/edge_sso.py</code>. Other languages: the <a href={`/admin/apps/${encodeURIComponent(app.clientId)}/integration`}>Integration</a> tab.
            </p>
          </dd>
        </>
      )}
    </>
  );
}

export function OidcDetails(props: { app: App; issuer: string }) {
  const { app } = props;
  const pkce = app.requirePkce === true || app.tokenEndpointAuthMethod === 'none';
  return (
    <>
      <dt>Discovery URL</dt>
      <dd>
        <Copyable value={discoveryUrl(props.issuer)} label="discovery URL" id="discovery-url" />
        <p class="hint">An OpenID Connect library needs only this, the client ID{app.tokenEndpointAuthMethod === 'none' ? '' : ' and the client secret'}.</p>
      </dd>
      <dt>Token endpoint authentication</dt>
      <dd id="token-endpoint-auth">
        {AUTH_METHOD_TEXT[app.tokenEndpointAuthMethod]}
        <p class="hint">
          Token endpoint: <code>{`${props.issuer}${oidcPaths.token}`}</code>
        </p>
      </dd>
      <dt>PKCE</dt>
      <dd>{pkce ? 'Required (S256) in every authorization request' : 'Optional'}</dd>
      <dt>Back-channel logout URL</dt>
      <dd id="backchannel-logout">{app.backchannelLogoutUri ? <code>{app.backchannelLogoutUri}</code> : <span class="muted">None: the app is not told when a user signs out</span>}</dd>
    </>
  );
}

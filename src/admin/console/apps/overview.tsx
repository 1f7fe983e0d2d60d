// Console: one application's overview (secret reveal and rotation), edit and delete.
import { Hono } from 'hono';
import type { App } from '../../../apps/app';
import { appEndpoints, hasClientSecret } from '../../../apps/app';
import { formatAttributeLines } from '../../../apps/attributes';
import { parseAppChanges } from '../../../apps/input';
import { previousSecretExpiry, type ClientSecrets } from '../../../apps/secrets';
import { deleteApp, updateApp } from '../../../apps/store';
import { audit } from '../../../audit/audit';
import { dbOf, issuerOf } from '../../../http/context';
import { csrfToken } from '../../../http/csrf';
import { changedOnly, isEmpty } from '../../../lib/changes';
import { activeSigningKey } from '../../../tokens/keys';
import { Copyable } from '../../../ui/components';
import { kindLabel } from './kinds';
import { JwtSsoDetails, OidcDetails, showsJwtSso, showsOidc } from './protocol-details';
import { ConfirmPage, ConsolePage, noticeFrom } from '../layout';
import { actorOf, type ConsoleContext, type ConsoleEnv } from '../context';
import { addSecretRoutes, SecretDetails } from './secrets';
import { withResolvedAccess } from '../../../policy/access-input';
import { AccessSummary } from './access';
import { AppTabs, findApp } from './tabs';
import { AppForm, formValuesOf, saveForm } from './form';
import { fieldChanges } from '../../../audit/changes';

export const appOverviewPages = new Hono<ConsoleEnv>();

async function overviewPage(c: ConsoleContext, app: App, revealed?: ClientSecrets) {
  const base = `/admin/apps/${encodeURIComponent(app.clientId)}`;
  const previousExpiresAt = revealed ? null : await previousSecretExpiry(dbOf(c), app.clientId);
  const endpoints = appEndpoints(issuerOf(c), app.clientId);
  const key = app.signingAlg === 'HS256' ? null : await activeSigningKey(c.env, app.signingAlg);
  return c.html(
    <ConsolePage c={c} title={app.name} notice={noticeFrom(c)}>
      <AppTabs app={app} current="overview" />
      <div class="card">
        <dl class="details">
          <dt>Client ID</dt>
          <dd>
            <Copyable value={app.clientId} label="client ID" id="client-id" />
          </dd>
          {app.kind && (
            <>
              <dt>Kind</dt>
              <dd id="app-kind">{kindLabel(app.kind)}</dd>
            </>
          )}
          <SecretDetails c={c} app={app} revealed={revealed} previousExpiresAt={previousExpiresAt} />
          {showsJwtSso(app) && <JwtSsoDetails c={c} app={app} issuer={issuerOf(c)} />}
          {showsOidc(app) && <OidcDetails app={app} issuer={issuerOf(c)} />}
          <AccessSummary c={c} app={app} />
          <dt>JWKS URL</dt>
          <dd>
            <Copyable value={endpoints.jwks_uri} label="JWKS URL" />
          </dd>
          <dt>Issuer (iss)</dt>
          <dd>
            <code>{issuerOf(c)}</code>
          </dd>
          <dt>Signing</dt>
          <dd>
            {app.signingAlg}
            {key && (
              <>
                {' · key '}
                <code>{key.kid}</code>
                {' · '}
                <a href={`/admin/keys/${encodeURIComponent(key.kid)}.pem`} download={`edge-sso-${app.signingAlg}-${key.kid}.pem`}>
                  Download public key (PEM)
                </a>
              </>
            )}
          </dd>
          <dt>Token lifetime</dt>
          <dd>{app.tokenTtlSeconds} seconds</dd>
          <dt>Redirect URLs</dt>
          <dd>
            <ul class="urls">
              {app.redirectUrls.map((u) => (
                <li class="url">{u}</li>
              ))}
            </ul>
          </dd>
          {app.logoutUrls.length > 0 && (
            <>
              <dt>Sign-out return URLs</dt>
              <dd>
                <ul class="urls">
                  {app.logoutUrls.map((u) => (
                    <li class="url">{u}</li>
                  ))}
                </ul>
              </dd>
            </>
          )}
          <dt>Attribute mapping</dt>
          <dd>{Object.keys(app.attributeMap).length ? <pre>{formatAttributeLines(app.attributeMap)}</pre> : <span class="muted">Standard claims only</span>}</dd>
          {app.description && (
            <>
              <dt>Description</dt>
              <dd>{app.description}</dd>
            </>
          )}
        </dl>
        <div class="actions">
          <a class="button inline" href={`${base}/edit`}>
            Edit
          </a>
          {hasClientSecret(app) && (
            <a class="button secondary inline" href={`${base}/rotate-secret`}>
              Rotate secret
            </a>
          )}
          <a class="button danger inline" href={`${base}/delete`}>
            Delete
          </a>
        </div>
      </div>
    </ConsolePage>,
  );
}

appOverviewPages.get('/:clientId', async (c) => overviewPage(c, await findApp(c)));
addSecretRoutes(appOverviewPages, findApp, overviewPage);

appOverviewPages.get('/:clientId/edit', async (c) => {
  const app = await findApp(c);
  return c.html(
    <ConsolePage c={c} title={`Edit ${app.name}`}>
      <AppForm c={c} action={`/admin/apps/${encodeURIComponent(app.clientId)}/edit`} values={{ ...formValuesOf(app), client_id: app.clientId }} errors={{}} creating={false} kind={app.kind ?? null} />
    </ConsolePage>,
  );
});

appOverviewPages.post('/:clientId/edit', async (c) => {
  const app = await findApp(c);
  const action = `/admin/apps/${encodeURIComponent(app.clientId)}/edit`;
  return saveForm(
    c,
    { creating: false, kind: app.kind ?? null },
    (body) => parseAppChanges(body, app),
    async (parsed) => {
      const changes = changedOnly(app, await withResolvedAccess(dbOf(c), parsed));
      if (isEmpty(changes)) return c.redirect(`/admin/apps/${encodeURIComponent(app.clientId)}?notice=no_changes`, 303);
      await updateApp(dbOf(c), app.clientId, changes);
      audit(c, { type: 'app.update', actor: actorOf(c), target: app.clientId, detail: { changes: fieldChanges(app, changes) } });
      return c.redirect(`/admin/apps/${encodeURIComponent(app.clientId)}?notice=saved`, 303);
    },
    (values, errors) =>
      c.html(
        <ConsolePage c={c} title={`Edit ${app.name}`}>
          <AppForm c={c} action={action} values={{ ...values, client_id: app.clientId }} errors={errors} creating={false} kind={app.kind ?? null} />
        </ConsolePage>,
        400,
      ),
  );
});

appOverviewPages.get('/:clientId/delete', async (c) => {
  const app = await findApp(c);
  const base = `/admin/apps/${encodeURIComponent(app.clientId)}`;
  return c.html(
    <ConfirmPage
      c={c}
      title={`Delete ${app.name}?`}
      message={`Users will no longer be able to sign in to ${app.name} through edge-sso, and its SSO URL will stop working. This cannot be undone.`}
      action={`${base}/delete`}
      button="Delete application"
      back={base}
      csrf={csrfToken(c)}
    />,
  );
});

appOverviewPages.post('/:clientId/delete', async (c) => {
  const app = await findApp(c);
  await deleteApp(dbOf(c), app.clientId);
  audit(c, { type: 'app.delete', actor: actorOf(c), target: app.clientId, detail: { name: app.name } });
  return c.redirect('/admin/apps?notice=deleted', 303);
});

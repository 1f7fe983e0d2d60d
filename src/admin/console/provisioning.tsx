// Console: Provisioning. SCIM tokens for Entra ID and Okta (created here, shown once, revoked
// here), the base URL to paste into them, and the set-up steps for each.
import { Hono } from 'hono';
import { audit } from '../../audit/audit';
import { dbOf, issuerOf } from '../../http/context';
import { csrfToken } from '../../http/csrf';
import { NotFoundError, ValidationError } from '../../lib/errors';
import { createScimToken, listScimTokens, parseNewScimToken, revokeScimToken } from '../../scim/tokens';
import { listSources } from '../../federation/store';
import { Copyable, ErrorSummary, Field, PostForm, Select } from '../../ui/components';
import { actorOf, formText, type ConsoleContext, type ConsoleEnv } from './context';
import { ConfirmPage, ConsolePage, noticeFrom } from './layout';
import { keyring } from '../../lib/secret-box';
import { DataTable, RowLink } from '../../ui/table';

export const provisioningPages = new Hono<ConsoleEnv>();

const when = (seconds: number | null) => (seconds === null ? 'Never' : new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC');

function SetupSteps(props: { base: string }) {
  return (
    <div class="card">
      <h2>Set up</h2>
      <h3>Microsoft Entra ID</h3>
      <ol>
        <li>Create a token below named after the tenant, paired with your Entra ID identity source if people also sign in with it.</li>
        <li>
          In the Entra admin center: Enterprise applications → your edge-sso application → Provisioning → mode <em>Automatic</em>. Tenant URL: <code>{props.base}</code>; Secret
          Token: the token. <em>Test Connection</em>, then Save.
        </li>
        <li>
          To link people to their Entra sign-in by object id, edit the user attribute mapping: map <code>objectId</code> to <code>externalId</code> (the default sends{' '}
          <code>mailNickname</code>, which links by verified email only where the identity source is trusted for it).
        </li>
        <li>Assign users and groups to the application and start provisioning.</li>
      </ol>
      <h3>Okta</h3>
      <ol>
        <li>Create a token below, paired with your Okta identity source if people also sign in with it (Okta sends the Okta user id as externalId).</li>
        <li>
          In the Okta Admin Console: your app integration → General → Provisioning: SCIM. Provisioning → Integration: SCIM connector base URL <code>{props.base}</code>, unique
          identifier field <code>userName</code>, actions Push New Users, Push Profile Updates, Push Groups; authentication mode <em>HTTP Header</em> with the token as the
          Bearer token. Test, then Save.
        </li>
        <li>Provisioning → To App: enable Create Users, Update User Attributes and Deactivate Users. Assign people; push groups on the Push Groups tab.</li>
      </ol>
    </div>
  );
}

async function page(c: ConsoleContext, extra: { created?: { name: string; token: string }; errors?: Record<string, string>; values?: Record<string, string> } = {}) {
  const db = dbOf(c);
  const [tokens, sources] = await Promise.all([listScimTokens(db), listSources(db, keyring(c.env))]);
  const base = `${issuerOf(c)}/scim/v2`;
  const csrf = csrfToken(c);
  c.header('cache-control', 'no-store');
  return c.html(
    <ConsolePage c={c} title="Provisioning" notice={noticeFrom(c)}>
      <div class="card">
        <p>
          Entra ID and Okta push users and groups here over SCIM 2.0, and take access away at once: a deactivated user is signed out everywhere and the apps are told. SCIM base
          URL:
        </p>
        <Copyable value={base} label="SCIM base URL" id="scim-base-url" />
      </div>
      {extra.created && (
        <div class="card" role="status">
          <h2>Token “{extra.created.name}” created</h2>
          <p>Copy it now into Entra ID or Okta: it is not shown again.</p>
          <Copyable value={extra.created.token} label="SCIM token" id="scim-token" />
        </div>
      )}
      <DataTable
        label="SCIM tokens"
        id="scim-tokens"
        before={<h2>Tokens</h2>}
        rows={tokens}
        empty="No SCIM tokens yet."
        columns={[
          { header: 'Name', cell: (t) => t.name },
          { header: 'Identity source', cell: (t) => t.identitySource ?? 'None' },
          { header: 'Created', cell: (t) => when(t.createdAt) },
          { header: 'Last used', cell: (t) => when(t.lastUsedAt) },
          { header: '', cell: (t) => <RowLink href={`/admin/provisioning/tokens/${encodeURIComponent(t.id)}/revoke`} text="Revoke" label={`Revoke ${t.name}`} /> },
        ]}
      />
      <PostForm action="/admin/provisioning/tokens" csrf={csrf} class="card">
        <h2>New token</h2>
        <ErrorSummary errors={extra.errors} />
        <Field name="name" label="Name" value={extra.values?.name ?? ''} errors={extra.errors} hint="Who uses it, e.g. “Entra ID” or “Okta”: the audit log names it as the actor of every change." />
        <Select
          name="identity_source"
          label="Identity source it pairs with"
          value={extra.values?.identity_source ?? ''}
          options={[['', 'None'], ...sources.map((s) => [s.slug, `${s.name} (${s.slug})`] as const)]}
          errors={extra.errors}
          hint="Provisioned users whose externalId is this source's user id (Entra ID object id, Okta user id) are linked to it, so their first sign-in there lands on their account."
        />
        <button type="submit">Create token</button>
      </PostForm>
      <SetupSteps base={base} />
    </ConsolePage>,
  );
}

provisioningPages.get('/', (c) => page(c));

provisioningPages.post('/tokens', async (c) => {
  const values = { name: formText(c, 'name'), identity_source: formText(c, 'identity_source') };
  try {
    const { row, token } = await createScimToken(dbOf(c), parseNewScimToken(values));
    audit(c, { type: 'scim.token.create', actor: actorOf(c), target: row.id, detail: { name: row.name, identity_source: row.identitySource } });
    // The token is shown in this response only (no-store), never stored in plain text.
    return page(c, { created: { name: row.name, token } });
  } catch (error) {
    if (error instanceof ValidationError) {
      c.status(400);
      return page(c, { errors: error.fields, values });
    }
    throw error;
  }
});

provisioningPages.get('/tokens/:id/revoke', async (c) => {
  const token = (await listScimTokens(dbOf(c))).find((t) => t.id === c.req.param('id'));
  if (!token) return c.redirect('/admin/provisioning', 303);
  return c.html(
    <ConfirmPage
      c={c}
      title="Revoke SCIM token"
      message={`Revoke “${token.name}”? The SCIM client using it gets 401 from now on; users and groups it provisioned stay.`}
      action={`/admin/provisioning/tokens/${encodeURIComponent(token.id)}/revoke`}
      button="Revoke token"
      back="/admin/provisioning"
      csrf={csrfToken(c)}
    />,
  );
});

provisioningPages.post('/tokens/:id/revoke', async (c) => {
  try {
    const row = await revokeScimToken(dbOf(c), c.req.param('id'));
    audit(c, { type: 'scim.token.revoke', actor: actorOf(c), target: row.id, detail: { name: row.name } });
  } catch (error) {
    // Already revoked (another tab, the API): nothing to do.
    if (!(error instanceof NotFoundError)) throw error;
  }
  return c.redirect('/admin/provisioning?notice=deleted', 303);
});

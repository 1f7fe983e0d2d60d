// Pieces of other console pages that show identity sources: the Test connection result, the app
// form's primary source and the app page's SSO URLs, and the user page's linked identities.
import { callbackUrl } from '../../../federation/client';
import { listIdentities } from '../../../federation/accounts';
import { listSources } from '../../../federation/store';
import type { TestOutcome, TestResultPage } from '../../../federation/test-result';
import { diagnose, type Diagnosis } from '../../../federation/diagnosis';
import type { IdentitySource, UpstreamError } from '../../../federation/types';
import { dbOf, issuerOf, type AppContext } from '../../../http/context';
import { readSession } from '../../../sessions/sessions';
import { profileClaims } from '../../../users/user';
import { Copyable, Select, type Errors } from '../../../ui/components';
import type { ConsoleContext } from '../context';
import { ConsolePage } from '../layout';
import { keyring } from '../../../lib/secret-box';
import { DataTable, RowLink } from '../../../ui/table';

export const sourcePath = (slug: string) => `/admin/identity-sources/${encodeURIComponent(slug)}`;
const base = sourcePath;

export const unlinkPath = (slug: string, userId: string, subject: string) => `${base(slug)}/unlink?${new URLSearchParams({ user: userId, subject })}`;

function Json(props: { value: unknown; id?: string }) {
  return <pre id={props.id}>{JSON.stringify(props.value, null, 2)}</pre>;
}

/** A failed test: what failed in plain words (naming the host), what to check, and the raw detail. */
function TestFailure(props: { failure: UpstreamError; diagnosis: Diagnosis }) {
  return (
    <>
      <h2>The test failed</h2>
      <div class="alert" role="alert" id="test-failure">
        {props.diagnosis.what}
      </div>
      <p id="test-check">{props.diagnosis.check}</p>
      {props.failure.detail && (
        <p class="muted">
          Detail: <code>{props.failure.detail}</code>
        </p>
      )}
    </>
  );
}

/** The Test connection result page: what the provider sent, and what edge-sso makes of it. `admin` must be set on the context. */
export function renderTestResult(c: AppContext, source: IdentitySource, result: TestOutcome) {
  return c.html(
    <ConsolePage c={c} title={`Test connection: ${source.name}`}>
      <div class="card" id="test-result">
        {'error' in result ? (
          <TestFailure failure={result.error} diagnosis={diagnose(result.error, source, callbackUrl(issuerOf(c), source.slug))} />
        ) : (
          <>
            <h2>
              <span class="badge ok">Connected</span> {source.name} signed you in
            </h2>
            <p>Nobody was signed in or created: this is what a sign-in would use.</p>
            <h3>Upstream subject</h3>
            <p>
              <code id="test-subject">{result.upstream.subject}</code>
            </p>
            <h3>Mapped profile</h3>
            <Json value={result.mapped} id="test-mapped" />
            <h3>Claims received</h3>
            <Json value={result.upstream.raw} id="test-claims" />
          </>
        )}
        <p>
          <a class="button secondary inline" href={base(source.slug)}>
            Back to {source.name}
          </a>
        </p>
      </div>
    </ConsolePage>,
    'error' in result ? 400 : 200,
  );
}

/**
 * The result page at the federation callback (outside /admin, so the console's gate did not run):
 * the caller has checked that `admin` started the test; their session, when this browser sent it,
 * names them on the page.
 */
export const testResultAtCallback: TestResultPage = async (c, admin, source, outcome) => {
  const session = await readSession(c);
  c.set('admin', session?.userId === admin.id ? session : { userId: admin.id, profile: profileClaims(admin), roles: admin.roles, amr: [], authTime: 0, expiresAt: 0, idHash: '' });
  return renderTestResult(c, source, outcome);
};

// --- Pieces of the application pages -----------------------------------------------------------

/** The app form's "Primary identity source" choice. */
export async function IdentitySourceSelect(props: { c: ConsoleContext; value?: string; errors: Errors }) {
  const sources = await listSources(dbOf(props.c), keyring(props.c.env));
  const options = [['', 'None: edge-sso’s login page'] as const, ...sources.map((s) => [s.slug, `${s.name} (${s.slug})${s.enabled ? '' : ', disabled'}`] as const)];
  return (
    <Select
      name="identity_source"
      label="Primary identity source"
      value={props.value ?? ''}
      options={options}
      errors={props.errors}
      hint="With a primary source, the SSO URL skips edge-sso’s login page and sends users straight to it."
    />
  );
}

/** The app page's rows for identity sources: the primary source, and the SSO URL that picks a source explicitly. */
export async function SourceUrls(props: { c: ConsoleContext; ssoUrl: string; primary: string | null }) {
  const sources = (await listSources(dbOf(props.c), keyring(props.c.env))).filter((s) => s.enabled);
  const primary = sources.find((s) => s.slug === props.primary);
  return (
    <>
      <dt>Primary identity source</dt>
      <dd>{props.primary ? <a href={base(props.primary)}>{primary?.name ?? props.primary}</a> : <span class="muted">None: edge-sso’s login page</span>}</dd>
      <dt>SSO URL for external providers</dt>
      <dd>
        {sources.length === 0 ? (
          <span class="muted">
            Add an <a href="/admin/identity-sources">identity source</a> to get one.
          </span>
        ) : (
          sources.map((s) => <Copyable value={`${props.ssoUrl}?idp=${encodeURIComponent(s.slug)}`} label={`SSO URL for ${s.name}`} />)
        )}
        <p class="hint">{'The SSO URL with ?idp=<slug> sends users to that source, whatever the primary source.'}</p>
      </dd>
    </>
  );
}

// --- Linked identities, on the user page -------------------------------------------------------

/** The user page's "Linked identities": which upstream accounts sign in as this user, with Unlink. */
export async function LinkedIdentities(props: { c: ConsoleContext; userId: string }) {
  const identities = await listIdentities(dbOf(props.c), props.userId);
  if (identities.length === 0) return null;
  const date = (s: number) => new Date(s * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  return (
    <>
      <h2>Linked identities</h2>
      <DataTable
        label="Linked identities"
        id="linked-identities"
        rows={identities}
        columns={[
          { header: 'Source', cell: (i) => <a href={base(i.source)}>{i.source}</a> },
          {
            header: 'Upstream account',
            cell: (i) => (
              <>
                {i.email || <span class="muted">no email</span>} <code>{i.subject}</code>
              </>
            ),
          },
          { header: 'Last sign-in', optional: true, cell: (i) => (i.lastSignInAt === 0 ? 'Never (linked by SCIM provisioning)' : date(i.lastSignInAt)) },
          { header: '', cell: (i) => <RowLink href={unlinkPath(i.source, i.userId, i.subject)} text="Unlink" /> },
        ]}
      />
    </>
  );
}


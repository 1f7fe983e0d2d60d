// Test connection for a directory source (LDAP, Active Directory): binds as the service account
// and looks up a login name the admin types, showing the entry's DN, the mapped profile and the
// groups. No user password is asked for or sent; nothing is signed in or created. The GET only
// shows the form: connecting (binds, an audit row) takes the console's CSRF-checked POST, so
// another site cannot make an admin's browser run it.
import { audit } from '../../../audit/audit';
import { directorySettings, lookupDirectoryUser } from '../../../federation/ldap/directory';
import { mapProfile } from '../../../federation/mapping';
import type { IdentitySource, SourceSecrets } from '../../../federation/types';
import { csrfToken } from '../../../http/csrf';
import { Field, PostForm } from '../../../ui/components';
import { actorOf, formText, type ConsoleContext } from '../context';
import { sourcePath } from './parts';
import { ConsolePage } from '../layout';

function TestForm(props: { c: ConsoleContext; source: IdentitySource; login: string; button: string }) {
  return (
    <PostForm action={`${sourcePath(props.source.slug)}/test`} csrf={csrfToken(props.c)} class="toolbar">
      <Field name="login" label="Login name or email to look up (optional)" value={props.login} />
      <button type="submit" class="inline">
        {props.button}
      </button>
    </PostForm>
  );
}

/** GET: the form only; nothing is contacted. */
export function directoryTestForm(c: ConsoleContext, source: IdentitySource) {
  return c.html(
    <ConsolePage c={c} title={`Test connection: ${source.name}`}>
      <div class="card">
        <p>Connects to the directory as the service account and, if you type a login name or email, shows the entry a sign-in would use. No password is asked for; nobody is signed in or created.</p>
        <TestForm c={c} source={source} login="" button="Test connection" />
      </div>
    </ConsolePage>,
  );
}

/** POST (CSRF-checked by the console's gate): binds, looks up, audits, shows the result. */
export async function renderDirectoryTest(c: ConsoleContext, source: IdentitySource, secrets: SourceSecrets) {
  const login = formText(c, 'login').slice(0, 254);
  const settings = directorySettings(source, secrets);
  const result = typeof settings === 'string' ? ({ kind: 'unavailable', detail: `not set up completely: ${settings}` } as const) : await lookupDirectoryUser(settings, login);
  audit(c, { type: 'source.test', actor: actorOf(c), target: source.slug, detail: { ok: result.kind !== 'unavailable', login: login || undefined, result: result.kind } });
  return c.html(
    <ConsolePage c={c} title={`Test connection: ${source.name}`}>
      <div class="card" id="test-result">
        {result.kind === 'unavailable' ? (
          <>
            <h2>The test failed</h2>
            <div class="alert" role="alert">
              The directory could not be reached, or it refused the service account.
            </div>
            <p>
              Detail: <code>{result.detail}</code>
            </p>
          </>
        ) : (
          <>
            <h2>
              <span class="badge ok">Connected</span> The service account signed in to the directory
            </h2>
            {login === '' ? (
              <p>Type a login name or email below to see the profile and groups a sign-in would use.</p>
            ) : result.kind === 'not_found' ? (
              <div class="alert" role="alert">
                {result.matches === 0 ? `No user matches “${login}” under the user base DN with the user filter.` : `More than one user matches “${login}”: a sign-in with it would be refused. Make the user filter stricter.`}
              </div>
            ) : (
              <>
                <p>Nobody was signed in or created: this is what a sign-in as “{login}” would use (after the directory accepts the password).</p>
                {result.disabled && <div class="alert" role="alert">This account is disabled in Active Directory (userAccountControl): its sign-ins are refused.</div>}
                <h3>Entry</h3>
                <p>
                  <code id="test-dn">{result.dn}</code> · subject <code id="test-subject">{result.profile.subject}</code>
                </p>
                <h3>Mapped profile and groups</h3>
                <pre id="test-mapped">{JSON.stringify(mapProfile(result.profile, source.claim_map, source.group_map), null, 2)}</pre>
                <h3>Attributes read</h3>
                <pre id="test-claims">{JSON.stringify(result.profile.raw, null, 2)}</pre>
              </>
            )}
          </>
        )}
        <TestForm c={c} source={source} login={login} button="Look up" />
        <p>
          <a class="button secondary inline" href={sourcePath(source.slug)}>
            Back to {source.name}
          </a>
        </p>
      </div>
    </ConsolePage>,
    result.kind === 'unavailable' ? 502 : 200,
  );
}

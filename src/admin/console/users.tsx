// Console: Users. List with search and paging, add, edit, disable/enable, set a password,
// sign out everywhere, delete, and CSV import. Validation is the admin API's (src/users/input.ts).
import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { audit } from '../../audit/audit';
import { dbOf } from '../../http/context';
import { csrfToken } from '../../http/csrf';
import { ConflictError, NotFoundError, RequestError, ValidationError } from '../../lib/errors';
import { endUserSessionsAndNotifyApps } from '../../oidc/backchannel';
import { applyUserChange, signOutEverywhere } from '../../onboarding/recovery';
import { changedUserFields, splitGroupLines } from '../../users/changes';
import { parseNewUser, parseUserChanges, PASSWORD_MIN_LENGTH, type UserFields } from '../../users/input';
import { isEmpty } from '../../lib/changes';
import { createUser, deleteUser, getUser, listUsers, updateUser } from '../../users/store';
import type { User } from '../../users/user';
import { endOneSession, liveSessions, userActivity, type LiveSession } from '../../users/activity';
import { Checkbox, ErrorSummary, Field, pageNumber, Pager, PostForm, SearchForm, TextArea, type Errors } from '../../ui/components';
import { actorOf, formText, type ConsoleContext, type ConsoleEnv } from './context';
import { importPages, rawText } from './users-import';
import { LinkedIdentities } from './identity-source-parts';
import { UserFactors } from './mfa';
import { ConfirmPage, ConsolePage, noticeFrom } from './layout';

export const userPages = new Hono<ConsoleEnv>();

const PAGE_SIZE = 50;
const userPath = (id: string) => `/admin/users/${encodeURIComponent(id)}`;
const utc = (seconds: number) => new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
const SESSION_HASH = /^[0-9a-f]{64}$/;

async function findUser(c: ConsoleContext): Promise<User> {
  const user = await getUser(dbOf(c), c.req.param('id')!);
  if (!user) throw new NotFoundError('No such user.');
  return user;
}

/** An admin may not lock themselves out of the console. */
function refuseSelf(c: ConsoleContext, user: User, what: string): void {
  if (user.id === actorOf(c)) throw new RequestError(409, 'conflict', `You cannot ${what} your own account. Ask another admin.`);
}


// --- Forms -------------------------------------------------------------------------------------

type UserFormValues = Record<string, string>;
const PROFILE_FIELDS = ['email', 'name', 'given_name', 'family_name', 'username', 'groups', 'password'];

function valuesOf(user: User): UserFormValues {
  return {
    email: user.email,
    name: user.name,
    given_name: user.givenName,
    family_name: user.familyName,
    username: user.username,
    groups: user.groups.join('\n'),
    admin: user.roles.includes('admin') ? 'on' : '',
    email_verified: user.emailVerified ? 'on' : '',
  };
}

function submitted(c: ConsoleContext): UserFormValues {
  const values: UserFormValues = Object.fromEntries(PROFILE_FIELDS.map((f) => [f, f === 'password' ? rawText(c, f) : formText(c, f)]));
  values.admin = formText(c, 'admin');
  values.email_verified = formText(c, 'email_verified');
  return values;
}

/** The admin API's JSON for the form's values, so both go through the same validation. */
function toApiInput(values: UserFormValues, creating: boolean): Record<string, unknown> {
  return {
    email: values.email,
    name: values.name,
    given_name: values.given_name,
    family_name: values.family_name,
    username: values.username,
    groups: splitGroupLines(values.groups ?? ''),
    roles: values.admin ? ['admin'] : [],
    email_verified: Boolean(values.email_verified),
    ...(creating ? { password: values.password } : {}),
  };
}

function UserForm(props: { c: ConsoleContext; action: string; values: UserFormValues; errors: Errors; creating: boolean }) {
  const { values, errors } = props;
  return (
    <PostForm action={props.action} csrf={csrfToken(props.c)} class="card">
      <ErrorSummary errors={errors} />
      <Field name="email" label="Email" type="email" value={values.email} errors={errors} required autocomplete="off" />
      <Field name="name" label="Full name" value={values.name} errors={errors} />
      <Field name="given_name" label="Given name" value={values.given_name} errors={errors} />
      <Field name="family_name" label="Family name" value={values.family_name} errors={errors} />
      <Field name="username" label="Username" value={values.username} errors={errors} hint="Sent as preferred_username; the email is used when empty." />
      <TextArea name="groups" label="Groups" value={values.groups} errors={errors} rows={3} hint="One group per line (a name may contain commas or spaces). Sent as the groups claim." />
      {props.creating && (
        <Field name="password" label="Initial password" type="password" value="" errors={errors} required autocomplete="new-password" hint={`At least ${PASSWORD_MIN_LENGTH} characters.`} />
      )}
      <Checkbox name="email_verified" label="Email address verified (sent as email_verified)" checked={Boolean(values.email_verified)} />
      <Checkbox name="admin" label="Admin: may use this console" checked={Boolean(values.admin)} />
      {errors.roles && <p class="field-error">{errors.roles}</p>}
      <div class="actions">
        <button type="submit" class="inline">
          {props.creating ? 'Create user' : 'Save profile'}
        </button>
        <a class="button secondary inline" href="/admin/users">
          Cancel
        </a>
      </div>
    </PostForm>
  );
}

function fieldErrors(error: unknown): Errors | null {
  if (error instanceof ValidationError) return error.fields;
  if (error instanceof ConflictError) return { [error.field]: error.message };
  return null;
}

// --- List and add ------------------------------------------------------------------------------

userPages.get('/', async (c) => {
  const search = c.req.query('q')?.trim() ?? '';
  const page = pageNumber(c.req.query('page'));
  const { users, total } = await listUsers(dbOf(c), { search: search || undefined, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const activity = await userActivity(dbOf(c), users.map((u) => u.id));
  const link = (p: number) => `/admin/users?${new URLSearchParams({ ...(search ? { q: search } : {}), page: String(p) })}`;
  return c.html(
    <ConsolePage c={c} title="Users" notice={noticeFrom(c)}>
      <div class="toolbar">
        <SearchForm action="/admin/users" value={search} label="Search users" placeholder="Email or name" />
        <div class="actions">
          <a class="button secondary inline" href="/admin/onboarding">
            Invite by email
          </a>
          <a class="button secondary inline" href="/admin/users/import">
            Import CSV
          </a>
          <a class="button inline" href="/admin/users/new">
            Add user
          </a>
        </div>
      </div>
      <div class="card table-wrap" role="region" aria-label="Users" tabindex={0}>
        {users.length === 0 ? (
          <p>{search ? 'No user matches.' : 'No users yet.'}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Email</th>
                <th class="optional">Name</th>
                <th class="optional">Groups</th>
                <th class="optional">Last sign-in</th>
                <th class="optional">Sessions</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {users.map((user) => (
                <tr>
                  <td>
                    <a href={userPath(user.id)}>{user.email}</a>
                    {user.roles.includes('admin') && <span class="badge"> admin</span>}
                  </td>
                  <td class="optional">{user.name}</td>
                  <td class="optional">{user.groups.join(', ')}</td>
                  <td class="optional nowrap">{activity.get(user.id)?.lastSignIn ? utc(activity.get(user.id)!.lastSignIn!) : <span class="muted">Never</span>}</td>
                  <td class="optional">{activity.get(user.id)?.activeSessions ?? 0}</td>
                  <td>{user.disabled ? <span class="badge off">Disabled</span> : <span class="badge ok">Active</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager page={page} pageSize={PAGE_SIZE} total={total} noun="user" link={link} />
      </div>
    </ConsolePage>,
  );
});

userPages.get('/new', (c) =>
  c.html(
    <ConsolePage c={c} title="Add user">
      <UserForm c={c} action="/admin/users/new" values={{}} errors={{}} creating />
    </ConsolePage>,
  ),
);

userPages.post('/new', async (c) => {
  const values = submitted(c);
  try {
    const user = await createUser(dbOf(c), parseNewUser(toApiInput(values, true)));
    audit(c, { type: 'user.create', actor: actorOf(c), target: user.id, detail: { email: user.email } });
    return c.redirect(`${userPath(user.id)}?notice=user_created`, 303);
  } catch (error) {
    const errors = fieldErrors(error);
    if (!errors) throw error;
    return c.html(
      <ConsolePage c={c} title="Add user">
        <UserForm c={c} action="/admin/users/new" values={values} errors={errors} creating />
      </ConsolePage>,
      400,
    );
  }
});

userPages.route('/import', importPages);

// --- One user ----------------------------------------------------------------------------------

function SessionList(props: { c: ConsoleContext; user: User; sessions: LiveSession[]; lastSignIn: number | null }) {
  const csrf = csrfToken(props.c);
  return (
    <div class="card table-wrap" role="region" aria-label="Sessions" tabindex={0} id="sessions">
      <p>
        Last sign-in: <strong>{props.lastSignIn ? utc(props.lastSignIn) : 'never'}</strong>. {props.sessions.length === 0 ? 'No active sessions.' : `${props.sessions.length} active session${props.sessions.length === 1 ? '' : 's'}.`}
      </p>
      {props.sessions.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Signed in</th>
              <th>Expires</th>
              <th>
                <span class="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.sessions.map((s) => (
              <tr data-session={s.idHash}>
                <td>{utc(s.createdAt)}</td>
                <td>{utc(s.expiresAt)}</td>
                <td>
                  <PostForm action={`${userPath(props.user.id)}/sessions/${s.idHash}/end`} csrf={csrf}>
                    <button type="submit" class="secondary small" aria-label={`End the session that signed in ${utc(s.createdAt)}`}>
                      End session
                    </button>
                  </PostForm>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

async function userPage(c: ConsoleContext, user: User, values: UserFormValues, errors: Errors, status: 200 | 400 = 200, passwordError?: string) {
  const [sessions, activity] = await Promise.all([liveSessions(dbOf(c), user.id), userActivity(dbOf(c), [user.id])]);
  return c.html(
    <UserPage c={c} user={user} values={values} errors={errors} passwordError={passwordError}>
      <SessionList c={c} user={user} sessions={sessions} lastSignIn={activity.get(user.id)?.lastSignIn ?? null} />
    </UserPage>,
    status,
  );
}

function UserPage(props: { c: ConsoleContext; user: User; values: UserFormValues; errors: Errors; passwordError?: string; children: Child }) {
  const { c, user } = props;
  const base = userPath(user.id);
  const csrf = csrfToken(c);
  return (
    <ConsolePage c={c} title={user.email} notice={noticeFrom(c)}>
      <p class="muted">
        User id (the token's sub): <code>{user.id}</code> · {user.disabled ? <span class="badge off">Disabled</span> : <span class="badge ok">Active</span>}
        {!user.hasPassword && <span class="badge warn"> no password set</span>}
      </p>
      <h2>Profile</h2>
      <UserForm c={c} action={base} values={props.values} errors={props.errors} creating={false} />
      <h2>Password</h2>
      <PostForm action={`${base}/password`} csrf={csrf} class="card">
        <Field
          name="new_password"
          label="New password"
          type="password"
          autocomplete="new-password"
          errors={props.passwordError ? { new_password: props.passwordError } : {}}
          hint={`At least ${PASSWORD_MIN_LENGTH} characters. The user is signed out everywhere.`}
        />
        <button type="submit" class="inline">
          Set password
        </button>
      </PostForm>
      <h2>Sessions</h2>
      {props.children}
      <LinkedIdentities c={c} userId={user.id} />
      <UserFactors c={c} userId={user.id} />
      <h2>Access</h2>
      <div class="card actions">
        {user.disabled ? (
          <PostForm action={`${base}/enable`} csrf={csrf}>
            <button type="submit" class="secondary inline">
              Enable user
            </button>
          </PostForm>
        ) : (
          <a class="button secondary inline" href={`${base}/disable`}>
            Disable user
          </a>
        )}
        <a class="button secondary inline" href={`${base}/sign-out`}>
          Sign out everywhere
        </a>
        <a class="button danger inline" href={`${base}/delete`}>
          Delete user
        </a>
      </div>
    </ConsolePage>
  );
}

userPages.get('/:id', async (c) => {
  const user = await findUser(c);
  return userPage(c, user, valuesOf(user), {});
});

userPages.post('/:id', async (c) => {
  const user = await findUser(c);
  const values = submitted(c);
  try {
    const parsed: Partial<UserFields> = parseUserChanges(toApiInput(values, false));
    if (user.id === actorOf(c) && !parsed.roles?.includes('admin')) {
      throw new ValidationError({ roles: 'You cannot remove your own admin role. Ask another admin.' });
    }
    const changes = changedUserFields(user, parsed);
    if (isEmpty(changes)) return c.redirect(`${userPath(user.id)}?notice=no_changes`, 303);
    const updated = await updateUser(dbOf(c), user.id, changes);
    await applyUserChange(c, user, updated, { passwordChanged: false });
    audit(c, { type: 'user.update', actor: actorOf(c), target: user.id, detail: { fields: Object.keys(changes) } });
    return c.redirect(`${userPath(user.id)}?notice=saved`, 303);
  } catch (error) {
    const errors = fieldErrors(error);
    if (!errors) throw error;
    return userPage(c, user, values, errors, 400);
  }
});

userPages.post('/:id/password', async (c) => {
  const user = await findUser(c);
  try {
    const changes = parseUserChanges({ password: rawText(c, 'new_password') });
    const updated = await updateUser(dbOf(c), user.id, changes);
    await applyUserChange(c, user, updated, { passwordChanged: true });
    audit(c, { type: 'user.update', actor: actorOf(c), target: user.id, detail: { fields: ['password'] } });
    return c.redirect(`${userPath(user.id)}?notice=password_set`, 303);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return userPage(c, user, valuesOf(user), {}, 400, error.fields.password);
  }
});

for (const [action, disabled] of [
  ['disable', true],
  ['enable', false],
] as const) {
  userPages.post(`/:id/${action}`, async (c) => {
    const user = await findUser(c);
    if (disabled) refuseSelf(c, user, 'disable');
    const updated = await updateUser(dbOf(c), user.id, { disabled });
    await applyUserChange(c, user, updated, { passwordChanged: false });
    audit(c, { type: 'user.update', actor: actorOf(c), target: user.id, detail: { fields: ['disabled'], disabled } });
    return c.redirect(`${userPath(user.id)}?notice=${disabled ? 'disabled' : 'enabled'}`, 303);
  });
}

userPages.get('/:id/disable', async (c) => {
  const user = await findUser(c);
  return c.html(
    <ConfirmPage
      c={c}
      title={`Disable ${user.email}?`}
      message="The user is signed out everywhere and cannot sign in to any app until an admin enables the account again. Nothing is deleted."
      action={`${userPath(user.id)}/disable`}
      button="Disable user"
      back={userPath(user.id)}
      csrf={csrfToken(c)}
    />,
  );
});

userPages.post('/:id/sessions/:hash/end', async (c) => {
  const user = await findUser(c);
  const hash = c.req.param('hash');
  if (!SESSION_HASH.test(hash) || !(await endOneSession(c.env, dbOf(c), user.id, hash))) throw new NotFoundError('This session has already ended.');
  audit(c, { type: 'user.sessions.revoke', actor: actorOf(c), target: user.id, detail: { ended: 1 } });
  return c.redirect(`${userPath(user.id)}?notice=session_ended`, 303);
});

userPages.get('/:id/sign-out', async (c) => {
  const user = await findUser(c);
  return c.html(
    <ConfirmPage
      c={c}
      title={`Sign ${user.email} out everywhere?`}
      message="Every edge-sso session of this user ends now: the next sign-in to any app asks for the password. Tokens already handed to apps stay valid until they expire."
      action={`${userPath(user.id)}/sign-out`}
      button="Sign out everywhere"
      back={userPath(user.id)}
      csrf={csrfToken(c)}
    />,
  );
});

userPages.post('/:id/sign-out', async (c) => {
  const user = await findUser(c);
  const { ended } = await signOutEverywhere(c, user.id);
  audit(c, { type: 'user.sessions.revoke', actor: actorOf(c), target: user.id, detail: { ended } });
  return c.redirect(`${userPath(user.id)}?notice=signed_out`, 303);
});

userPages.get('/:id/delete', async (c) => {
  const user = await findUser(c);
  return c.html(
    <ConfirmPage
      c={c}
      title={`Delete ${user.email}?`}
      message="The user is signed out everywhere and can no longer sign in. Apps keep whatever they stored about them. This cannot be undone."
      action={`${userPath(user.id)}/delete`}
      button="Delete user"
      back={userPath(user.id)}
      csrf={csrfToken(c)}
    />,
  );
});

userPages.post('/:id/delete', async (c) => {
  const user = await findUser(c);
  refuseSelf(c, user, 'delete');
  // Sessions first: deleting the user also deletes their D1 session index.
  await endUserSessionsAndNotifyApps(c, user.id);
  await deleteUser(dbOf(c), user.id);
  audit(c, { type: 'user.delete', actor: actorOf(c), target: user.id, detail: { email: user.email } });
  return c.redirect('/admin/users?notice=deleted', 303);
});

// Console: one user: profile, password, sessions, disable/enable, sign out everywhere, delete.
import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { audit } from '../../../audit/audit';
import { dbOf } from '../../../http/context';
import { csrfToken } from '../../../http/csrf';
import { NotFoundError, ValidationError } from '../../../lib/errors';
import { endUserSessionsAndNotifyApps } from '../../../logout/backchannel';
import { applyUserChange, signOutEverywhere } from '../../../onboarding/recovery';
import { changedUserFields } from '../../../users/changes';
import { parseUserChanges, PASSWORD_MIN_LENGTH, type UserFields } from '../../../users/input';
import { isEmpty } from '../../../lib/changes';
import { deleteUser, updateUser } from '../../../users/store';
import type { User } from '../../../users/user';
import { endOneSession, liveSessions, userActivity, type LiveSession } from '../../../users/activity';
import { Field, PostForm, type Errors } from '../../../ui/components';
import { actorOf, type ConsoleContext, type ConsoleEnv, rawText } from '../context';
import { LinkedIdentities } from '../identity-sources/parts';
import { UserFactors } from '../mfa';
import { ConfirmPage, ConsolePage, noticeFrom } from '../layout';
import { userPath, utc, SESSION_HASH, findUser, refuseSelf, UserForm, valuesOf, submitted, toApiInput, fieldErrors, type UserFormValues } from './form';
import { fieldChanges, secretChanges } from '../../../audit/changes';
import { DataTable, RowButton } from '../../../ui/table';

export const oneUserPages = new Hono<ConsoleEnv>();

// --- One user ----------------------------------------------------------------------------------

function SessionList(props: { c: ConsoleContext; user: User; sessions: LiveSession[]; lastSignIn: number | null }) {
  const csrf = csrfToken(props.c);
  return (
    <DataTable
      label="Sessions"
      regionId="sessions"
      rows={props.sessions}
      rowAttributes={(s) => ({ 'data-session': s.idHash })}
      before={
        <p>
          Last sign-in: <strong>{props.lastSignIn ? utc(props.lastSignIn) : 'never'}</strong>. {props.sessions.length === 0 ? 'No active sessions.' : `${props.sessions.length} active session${props.sessions.length === 1 ? '' : 's'}.`}
        </p>
      }
      columns={[
        { header: 'Signed in', cell: (s) => utc(s.createdAt) },
        { header: 'Expires', cell: (s) => utc(s.expiresAt) },
        {
          header: <span class="visually-hidden">Action</span>,
          cell: (s) => <RowButton action={`${userPath(props.user.id)}/sessions/${s.idHash}/end`} csrf={csrf} text="End session" label={`End the session that signed in ${utc(s.createdAt)}`} />,
        },
      ]}
    />
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

oneUserPages.get('/:id', async (c) => {
  const user = await findUser(c);
  return userPage(c, user, valuesOf(user), {});
});

oneUserPages.post('/:id', async (c) => {
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
    audit(c, { type: 'user.update', actor: actorOf(c), target: user.id, detail: { changes: fieldChanges(user, changes, ['password', 'passwordHash']) } });
    return c.redirect(`${userPath(user.id)}?notice=saved`, 303);
  } catch (error) {
    const errors = fieldErrors(error);
    if (!errors) throw error;
    return userPage(c, user, values, errors, 400);
  }
});

oneUserPages.post('/:id/password', async (c) => {
  const user = await findUser(c);
  try {
    const changes = parseUserChanges({ password: rawText(c, 'new_password') });
    const updated = await updateUser(dbOf(c), user.id, changes);
    await applyUserChange(c, user, updated, { passwordChanged: true });
    audit(c, { type: 'user.update', actor: actorOf(c), target: user.id, detail: { changes: secretChanges(['password']) } });
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
  oneUserPages.post(`/:id/${action}`, async (c) => {
    const user = await findUser(c);
    if (disabled) refuseSelf(c, user, 'disable');
    const updated = await updateUser(dbOf(c), user.id, { disabled });
    await applyUserChange(c, user, updated, { passwordChanged: false });
    audit(c, { type: 'user.update', actor: actorOf(c), target: user.id, detail: { changes: fieldChanges(user, { disabled }) } });
    return c.redirect(`${userPath(user.id)}?notice=${disabled ? 'disabled' : 'enabled'}`, 303);
  });
}

oneUserPages.get('/:id/disable', async (c) => {
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

oneUserPages.post('/:id/sessions/:hash/end', async (c) => {
  const user = await findUser(c);
  const hash = c.req.param('hash');
  if (!SESSION_HASH.test(hash) || !(await endOneSession(c.env, dbOf(c), user.id, hash))) throw new NotFoundError('This session has already ended.');
  audit(c, { type: 'user.sessions.revoke', actor: actorOf(c), target: user.id, detail: { ended: 1 } });
  return c.redirect(`${userPath(user.id)}?notice=session_ended`, 303);
});

oneUserPages.get('/:id/sign-out', async (c) => {
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

oneUserPages.post('/:id/sign-out', async (c) => {
  const user = await findUser(c);
  const { ended } = await signOutEverywhere(c, user.id);
  audit(c, { type: 'user.sessions.revoke', actor: actorOf(c), target: user.id, detail: { ended } });
  return c.redirect(`${userPath(user.id)}?notice=signed_out`, 303);
});

oneUserPages.get('/:id/delete', async (c) => {
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

oneUserPages.post('/:id/delete', async (c) => {
  const user = await findUser(c);
  refuseSelf(c, user, 'delete');
  // Sessions first: deleting the user also deletes their D1 session index.
  await endUserSessionsAndNotifyApps(c, user.id);
  await deleteUser(dbOf(c), user.id);
  audit(c, { type: 'user.delete', actor: actorOf(c), target: user.id, detail: { email: user.email } });
  return c.redirect('/admin/users?notice=deleted', 303);
});

// Console: the user add/edit form. Its values go through the admin API's validation (src/users/input.ts).
import { dbOf } from '../../../http/context';
import { csrfToken } from '../../../http/csrf';
import { ConflictError, NotFoundError, RequestError, ValidationError } from '../../../lib/errors';
import { splitGroupLines } from '../../../users/changes';
import { PASSWORD_MIN_LENGTH } from '../../../users/input';
import { getUser } from '../../../users/store';
import type { User } from '../../../users/user';
import { Checkbox, ErrorSummary, Field, PostForm, TextArea, type Errors } from '../../../ui/components';
import { actorOf, formText, type ConsoleContext, rawText } from '../context';

export const PAGE_SIZE = 50;
export const userPath = (id: string) => `/admin/users/${encodeURIComponent(id)}`;
export const utc = (seconds: number) => new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
export const SESSION_HASH = /^[0-9a-f]{64}$/;

export async function findUser(c: ConsoleContext): Promise<User> {
  const user = await getUser(dbOf(c), c.req.param('id')!);
  if (!user) throw new NotFoundError('No such user.');
  return user;
}

/** An admin may not lock themselves out of the console. */
export function refuseSelf(c: ConsoleContext, user: User, what: string): void {
  if (user.id === actorOf(c)) throw new RequestError(409, 'conflict', `You cannot ${what} your own account. Ask another admin.`);
}


// --- Forms -------------------------------------------------------------------------------------

export type UserFormValues = Record<string, string>;
const PROFILE_FIELDS = ['email', 'name', 'given_name', 'family_name', 'username', 'groups', 'password'];

export function valuesOf(user: User): UserFormValues {
  return {
    email: user.email,
    name: user.name,
    given_name: user.givenName,
    family_name: user.familyName,
    username: user.username,
    groups: user.groups.join('\n'),
    admin: user.roles.includes('admin') ? 'on' : '',
    email_verified: user.emailVerified ? 'on' : '',
    mfa_required: user.mfaRequired ? 'on' : '',
  };
}

export function submitted(c: ConsoleContext): UserFormValues {
  const values: UserFormValues = Object.fromEntries(PROFILE_FIELDS.map((f) => [f, f === 'password' ? rawText(c, f) : formText(c, f)]));
  values.admin = formText(c, 'admin');
  values.email_verified = formText(c, 'email_verified');
  values.mfa_required = formText(c, 'mfa_required');
  return values;
}

/** The admin API's JSON for the form's values, so both go through the same validation. */
export function toApiInput(values: UserFormValues, creating: boolean): Record<string, unknown> {
  return {
    email: values.email,
    name: values.name,
    given_name: values.given_name,
    family_name: values.family_name,
    username: values.username,
    groups: splitGroupLines(values.groups ?? ''),
    roles: values.admin ? ['admin'] : [],
    email_verified: Boolean(values.email_verified),
    mfa_required: Boolean(values.mfa_required),
    ...(creating ? { password: values.password } : {}),
  };
}

export function UserForm(props: { c: ConsoleContext; action: string; values: UserFormValues; errors: Errors; creating: boolean }) {
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
      <Checkbox name="mfa_required" label="Requires a second factor: no sign-in to any app without one (enrols first), whatever the app's policy" checked={Boolean(values.mfa_required)} />
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

export function fieldErrors(error: unknown): Errors | null {
  if (error instanceof ValidationError) return error.fields;
  if (error instanceof ConflictError) return { [error.field]: error.message };
  return null;
}

// Console: an application's access rule. The form's fieldset (everyone, or listed groups and
// users, one per line) and the overview's summary. Users are stored by id and shown by email.
import { inArray } from 'drizzle-orm';
import type { App } from '../../../apps/app';
import type { AccessRule } from '../../../policy/access';
import { users } from '../../../db/schema';
import { slices } from '../../../db/limits';
import { dbOf } from '../../../http/context';
import { splitGroupLines } from '../../../users/changes';
import { Select, TextArea, type Errors } from '../../../ui/components';
import type { ConsoleContext } from '../context';

export const ACCESS_FORM_FIELDS = ['access', 'access.groups', 'access.users'];

const MODE_OPTIONS = [
  ['everyone', 'Everyone who can sign in'],
  ['restricted', 'Only the groups and users listed below'],
] as const;

/** The form's values for an app's rule (users as ids; the fieldset shows them as emails). */
export function accessFormValues(app: Pick<App, 'access'>): Record<string, string> {
  const rule = app.access;
  if (rule === 'everyone') return { access: 'everyone', 'access.groups': '', 'access.users': '' };
  return { access: 'restricted', 'access.groups': rule.groups.join('\n'), 'access.users': rule.users.join('\n') };
}

/** The admin API's `access` for the form's values (the API checks the rest). */
export function accessInput(values: Record<string, string | undefined>): AccessRule {
  if (values.access !== 'restricted') return 'everyone';
  return { groups: splitGroupLines(values['access.groups'] ?? ''), users: splitGroupLines(values['access.users'] ?? '') };
}

/** id → email for the listed users that exist; lines that are not user ids are left as typed. */
async function emailsById(c: ConsoleContext, ids: string[]): Promise<Map<string, string>> {
  const rows = (await Promise.all(slices(ids).map((slice) => dbOf(c).select({ id: users.id, email: users.email }).from(users).where(inArray(users.id, slice))))).flat();
  return new Map(rows.map((r) => [r.id, r.email]));
}

export async function AccessFields(props: { c: ConsoleContext; values: Record<string, string | undefined>; errors: Errors }) {
  const lines = splitGroupLines(props.values['access.users'] ?? '');
  const emails = await emailsById(props.c, lines);
  return (
    <fieldset>
      <legend>Access</legend>
      <Select
        name="access"
        label="Who may open this app"
        value={props.values.access === 'restricted' ? 'restricted' : 'everyone'}
        options={MODE_OPTIONS}
        errors={props.errors}
        hint="Others who sign in get a “You don't have access” page; OIDC apps receive error=access_denied."
      />
      <TextArea name="access.groups" label="Groups" value={props.values['access.groups']} errors={props.errors} rows={3} hint="One group per line, exactly as in the users' groups. A member of any listed group may open the app." />
      <TextArea
        name="access.users"
        label="Users"
        value={lines.map((line) => emails.get(line) ?? line).join('\n')}
        errors={props.errors}
        rows={3}
        hint="One email (or user id) per line; each must be an existing user."
      />
    </fieldset>
  );
}

/** The overview's row: who may open the app. */
export async function AccessSummary(props: { c: ConsoleContext; app: App }) {
  const rule = props.app.access;
  if (rule === 'everyone') {
    return (
      <>
        <dt>Access</dt>
        <dd>Everyone who can sign in</dd>
      </>
    );
  }
  const emails = await emailsById(props.c, rule.users);
  const parts = [
    ...rule.groups.map((g) => `group ${g}`),
    ...rule.users.map((id) => emails.get(id) ?? `${id} (deleted user)`),
  ];
  return (
    <>
      <dt>Access</dt>
      <dd>Only {parts.join(', ')}</dd>
    </>
  );
}

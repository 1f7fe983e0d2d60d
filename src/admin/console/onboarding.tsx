// Console: Onboarding. Invite a user by email, open or close self sign-up (allowed domains,
// approval), approve or reject waiting sign-ups, and see the invitations not yet accepted.
import { Hono } from 'hono';
import { listApps } from '../../apps/store';
import { audit } from '../../audit/audit';
import { dbOf } from '../../http/context';
import { csrfToken } from '../../http/csrf';
import { ConflictError, ValidationError } from '../../lib/errors';
import { approveSignup, pendingApprovals, rejectSignup } from '../../onboarding/approvals';
import { inviteUser, MAX_INVITE_DAYS, parseInvite } from '../../onboarding/invites';
import { openLinks } from '../../onboarding/links';
import { loadSignupSettings, parseDomainList, saveSignupSettings, signupSettingsToJson, type SignupSettings } from '../../onboarding/settings';
import { Checkbox, ErrorSummary, Field, PostForm, Select, TextArea, type Errors } from '../../ui/components';
import { splitGroupLines } from '../../users/changes';
import { actorOf, formText, type ConsoleContext, type ConsoleEnv } from './context';
import { ConsolePage } from './layout';
import { fieldChanges } from '../../audit/changes';
import { DataTable, RowButton } from '../../ui/table';

export const onboardingPages = new Hono<ConsoleEnv>();

const NOTICES: Record<string, string> = {
  invited: 'Invitation sent.',
  signup_saved: 'Sign-up settings saved.',
  approved: 'Sign-up approved; the person was told by email.',
  rejected: 'Sign-up rejected; the account was deleted.',
};
const when = (seconds: number) => new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

interface State {
  invite?: { values: Record<string, string>; errors: Errors };
  signup?: { settings: SignupSettings; domains: string; errors: Errors };
}

async function page(c: ConsoleContext, state: State = {}, status = 200) {
  const db = dbOf(c);
  const [settings, pending, invites, { apps }] = await Promise.all([loadSignupSettings(c.env), pendingApprovals(c), openLinks(db, 'invite', 100), listApps(db, { limit: 200, offset: 0 })]);
  const signup = state.signup ?? { settings, domains: settings.allowedDomains.join('\n'), errors: {} };
  const invite = state.invite ?? { values: { days: '7' }, errors: {} };
  const csrf = csrfToken(c);
  const code = c.req.query('notice');
  return c.html(
    <ConsolePage c={c} title="Onboarding" notice={code && Object.hasOwn(NOTICES, code) ? NOTICES[code] : undefined}>
      <h2>Invite a user</h2>
      <PostForm action="/admin/onboarding/invite" csrf={csrf} class="card">
        <p>The person gets an email with a single-use link to choose a password, and lands signed in on My apps or the app you choose.</p>
        <ErrorSummary errors={invite.errors} />
        <Field name="email" label="Email" type="email" value={invite.values.email} errors={invite.errors} required />
        <Field name="name" label="Name" value={invite.values.name} errors={invite.errors} />
        <TextArea name="groups" label="Groups" value={invite.values.groups} errors={invite.errors} rows={2} hint="One group per line." />
        <Select name="client_id" label="Land on" value={invite.values.client_id} errors={invite.errors} options={[['', 'My apps'], ...apps.map((a) => [a.clientId, a.name] as const)]} />
        <Field name="days" label="Link valid for (days)" type="number" value={invite.values.days} errors={invite.errors} hint={`1 to ${MAX_INVITE_DAYS}.`} />
        <button type="submit" class="inline">
          Send invitation
        </button>
      </PostForm>

      <h2>Self sign-up</h2>
      <PostForm action="/admin/onboarding/signup" csrf={csrf} class="card">
        <p>
          When open, the sign-in page links to <code>/signup</code>. Accounts work only after the address is verified by email.
        </p>
        <ErrorSummary errors={signup.errors} />
        <Checkbox name="enabled" label="Anyone may sign up (with an allowed address)" checked={signup.settings.enabled} />
        <TextArea name="allowed_domains" label="Allowed email domains" value={signup.domains} errors={signup.errors} rows={3} hint="One per line, e.g. example.com (exact match). Empty: every domain." />
        <Checkbox name="require_approval" label="An administrator approves each new account" checked={signup.settings.requireApproval} />
        <button type="submit" class="inline">
          Save sign-up settings
        </button>
      </PostForm>

      <h2>Waiting for approval</h2>
      <DataTable
        label="Sign-ups waiting for approval"
        rows={pending}
        empty="No sign-up is waiting."
        columns={[
          { header: 'Email', cell: (p) => p.email },
          { header: 'Name', cell: (p) => p.name },
          { header: 'Verified', cell: (p) => when(p.requestedAt) },
          {
            header: 'Decision',
            cell: (p) => (
              <>
                <RowButton action={`/admin/onboarding/signups/${encodeURIComponent(p.userId)}/approve`} csrf={csrf} text="Approve" style="primary" inline />{' '}
                <RowButton action={`/admin/onboarding/signups/${encodeURIComponent(p.userId)}/reject`} csrf={csrf} text="Reject" style="secondary" inline />
              </>
            ),
          },
        ]}
      />

      <h2>Invitations not yet accepted</h2>
      <DataTable
        label="Invitations not yet accepted"
        rows={invites}
        empty="None."
        columns={[
          { header: 'Email', cell: (i) => i.email },
          { header: 'Sent', cell: (i) => when(i.createdAt) },
          { header: 'Expires', cell: (i) => when(i.expiresAt) },
        ]}
      />
    </ConsolePage>,
    status as 200,
  );
}

onboardingPages.get('/', (c) => page(c));

onboardingPages.post('/invite', async (c) => {
  const values = { email: formText(c, 'email'), name: formText(c, 'name'), groups: formText(c, 'groups'), client_id: formText(c, 'client_id'), days: formText(c, 'days') };
  const days = values.days === '' ? undefined : Number(values.days);
  try {
    const input = parseInvite({
      email: values.email,
      ...(values.name ? { name: values.name } : {}),
      ...(values.groups ? { groups: splitGroupLines(values.groups) } : {}),
      ...(values.client_id ? { client_id: values.client_id } : {}),
      ...(days === undefined ? {} : { expires_in_days: days }),
    });
    const invitation = await inviteUser(c, input);
    audit(c, { type: 'user.invite', actor: actorOf(c), target: invitation.user.id, detail: { email: invitation.user.email, client_id: input.clientId, created: invitation.created } });
  } catch (error) {
    const errors = error instanceof ValidationError ? error.fields : error instanceof ConflictError ? { email: error.message } : null;
    if (!errors) throw error;
    const fieldErrors = { ...errors, ...(errors.expires_in_days ? { days: errors.expires_in_days } : {}) };
    return page(c, { invite: { values, errors: fieldErrors } }, error instanceof ConflictError ? 409 : 400);
  }
  return c.redirect('/admin/onboarding?notice=invited', 303);
});

onboardingPages.post('/signup', async (c) => {
  const domainsText = formText(c, 'allowed_domains');
  const parsed = parseDomainList(domainsText);
  const settings: SignupSettings = { enabled: formText(c, 'enabled') === 'on', allowedDomains: parsed.domains, requireApproval: formText(c, 'require_approval') === 'on' };
  if (parsed.problem) return page(c, { signup: { settings, domains: domainsText, errors: { allowed_domains: parsed.problem } } }, 400);
  const previous = await loadSignupSettings(c.env);
  await saveSignupSettings(c.env, settings);
  audit(c, { type: 'signup.settings', actor: actorOf(c), detail: { changes: fieldChanges(signupSettingsToJson(previous), signupSettingsToJson(settings)) } });
  return c.redirect('/admin/onboarding?notice=signup_saved', 303);
});

onboardingPages.post('/signups/:userId/approve', async (c) => {
  const user = await approveSignup(c, c.req.param('userId'));
  audit(c, { type: 'signup.approve', actor: actorOf(c), target: user.id, detail: { email: user.email } });
  return c.redirect('/admin/onboarding?notice=approved', 303);
});

onboardingPages.post('/signups/:userId/reject', async (c) => {
  const id = c.req.param('userId');
  await rejectSignup(c, id);
  audit(c, { type: 'signup.reject', actor: actorOf(c), target: id });
  return c.redirect('/admin/onboarding?notice=rejected', 303);
});

// Console: Sign-in security (the global MFA policy and the console's own requirement), and a
// user's second factors with the reset (confirmation page, audited).
import { Hono } from 'hono';
import { audit } from '../../audit/audit';
import { dbOf } from '../../http/context';
import { csrfToken } from '../../http/csrf';
import { ValidationError } from '../../lib/errors';
import { factorsChanged, factorsToJson, userFactors } from '../../mfa/factors';
import { signOutEverywhere } from '../../onboarding/recovery';
import { MFA_POLICIES } from '../../mfa/policy';
import { mfaSettingsToJson, parseMfaSettings } from '../../mfa/settings-input';
import { loadMfaSettings, saveMfaSettings } from '../../mfa/settings';
import { requireUser } from '../../users/store';
import { Checkbox, PostForm, Select } from '../../ui/components';
import { actorOf, formText, type ConsoleContext, type ConsoleEnv } from './context';
import { ConfirmPage, ConsolePage, noticeFrom } from './layout';
import { fieldChanges } from '../../audit/changes';

export const POLICY_LABELS: Record<(typeof MFA_POLICIES)[number], string> = {
  off: 'Off: never ask for a second factor',
  optional: 'Optional: users may set one up, and are asked for it when they have one',
  required: 'Required: users without a second factor must set one up at their next sign-in',
};

export const securityPages = new Hono<ConsoleEnv>();

securityPages.get('/', async (c) => {
  const settings = await loadMfaSettings(c.env);
  return c.html(
    <ConsolePage c={c} title="Sign-in security" notice={noticeFrom(c)}>
      <PostForm action="/admin/security" csrf={csrfToken(c)} class="card">
        <Select
          name="policy"
          label="Multi-factor sign-in for all applications"
          value={settings.policy}
          options={MFA_POLICIES.map((p) => [p, POLICY_LABELS[p]] as const)}
          hint="An application's own setting (on its page) can turn MFA off for it or require it."
        />
        <Checkbox name="require_for_console" label="Require a second factor for this admin console" checked={settings.requireForConsole} />
        <p class="hint">Admins without a second factor are asked to set one up before the console opens. Set up yours first on your Account page.</p>
        <button type="submit" class="inline">
          Save
        </button>
      </PostForm>
    </ConsolePage>,
  );
});

securityPages.post('/', async (c) => {
  let next, previous;
  try {
    previous = await loadMfaSettings(c.env);
    next = parseMfaSettings({ policy: formText(c, 'policy'), require_for_console: formText(c, 'require_for_console') === 'on' }, previous);
  } catch (error) {
    if (error instanceof ValidationError) return c.redirect('/admin/security', 303);
    throw error;
  }
  await saveMfaSettings(c.env, next);
  audit(c, { type: 'mfa.settings', actor: actorOf(c), target: 'mfa', detail: { ...mfaSettingsToJson(next), changes: fieldChanges(mfaSettingsToJson(previous), mfaSettingsToJson(next)) } });
  return c.redirect('/admin/security?notice=saved', 303);
});

/** The user page's "Second factors" section. */
export async function UserFactors(props: { c: ConsoleContext; userId: string }) {
  const f = await userFactors(dbOf(props.c), props.userId);
  const none = !f.totp && f.passkeys === 0 && f.recoveryCodes === 0;
  return (
    <>
      <h2>Second factors</h2>
      <div class="card" id="factors">
        <ul>
          <li>Authenticator app: {f.totp ? 'set up' : 'none'}</li>
          <li>Passkeys: {f.passkeys}</li>
          <li>Unused recovery codes: {f.recoveryCodes}</li>
        </ul>
        {!none && (
          <a class="button secondary inline" href={`/admin/users/${encodeURIComponent(props.userId)}/factors/reset`}>
            Reset second factors
          </a>
        )}
      </div>
    </>
  );
}

export const userFactorPages = new Hono<ConsoleEnv>();

userFactorPages.get('/:id/factors/reset', async (c) => {
  const user = await requireUser(dbOf(c), c.req.param('id'));
  const back = `/admin/users/${encodeURIComponent(user.id)}`;
  return c.html(
    <ConfirmPage
      c={c}
      title="Reset second factors?"
      message={`${user.email}'s authenticator app, passkeys and recovery codes will be removed, every session ends and pending email changes are cancelled. If a policy requires MFA, they set up a new factor at their next sign-in. Do this only when you are sure who is asking (for example, a lost phone).`}
      action={`${back}/factors/reset`}
      button="Reset second factors"
      back={back}
      csrf={csrfToken(c)}
    />,
  );
});

userFactorPages.post('/:id/factors/reset', async (c) => {
  const user = await requireUser(dbOf(c), c.req.param('id'));
  const before = factorsToJson(await userFactors(dbOf(c), user.id));
  // The whole recovery: whoever planted a factor may also hold a session or a pending email change.
  const { ended } = await signOutEverywhere(c, user.id, { removeFactors: true });
  await factorsChanged(c, user.id, { factor: 'all', action: 'removed', by: 'admin' });
  audit(c, { type: 'mfa.reset', actor: actorOf(c), target: user.id, detail: { email: user.email, removed: before, sessions_ended: ended } });
  return c.redirect(`/admin/users/${encodeURIComponent(user.id)}?notice=factors_reset`, 303);
});

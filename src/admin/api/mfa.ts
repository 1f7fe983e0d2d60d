// /api/admin: multi-factor settings (global policy, console requirement) and a user's factors.
import { Hono } from 'hono';
import { audit } from '../../audit/audit';
import type { AppEnv } from '../../http/context';
import { factorsChanged, factorsToJson, userFactors } from '../../mfa/factors';
import { signOutEverywhere } from '../../onboarding/recovery';
import { mfaSettingsToJson, parseMfaSettings } from '../../mfa/settings-input';
import { loadMfaSettings, saveMfaSettings } from '../../mfa/settings';
import { requireUser } from '../../users/store';
import { API_ACTOR as ACTOR, db, readJson } from './request';
import { fieldChanges } from '../../audit/changes';

export const mfaApi = new Hono<AppEnv>();

mfaApi.get('/settings/mfa', async (c) => c.json(mfaSettingsToJson(await loadMfaSettings(c.env))));

mfaApi.put('/settings/mfa', async (c) => {
  const previous = await loadMfaSettings(c.env);
  const next = parseMfaSettings(await readJson(c), previous);
  await saveMfaSettings(c.env, next);
  audit(c, { type: 'mfa.settings', actor: ACTOR, target: 'mfa', detail: { ...mfaSettingsToJson(next), changes: fieldChanges(mfaSettingsToJson(previous), mfaSettingsToJson(next)) } });
  return c.json(mfaSettingsToJson(next));
});

mfaApi.get('/users/:id/factors', async (c) => {
  const user = await requireUser(db(c), c.req.param('id'));
  return c.json({ user_id: user.id, ...factorsToJson(await userFactors(db(c), user.id)) });
});

mfaApi.delete('/users/:id/factors', async (c) => {
  const user = await requireUser(db(c), c.req.param('id'));
  // The whole recovery: whoever planted a factor may also hold a session or a pending email change.
  const { ended } = await signOutEverywhere(c, user.id, { removeFactors: true });
  await factorsChanged(c, user.id, { factor: 'all', action: 'removed', by: 'admin' });
  audit(c, { type: 'mfa.reset', actor: ACTOR, target: user.id, detail: { email: user.email, sessions_ended: ended } });
  return c.json({ user_id: user.id, ...factorsToJson(await userFactors(db(c), user.id)), sessions_ended: ended });
});

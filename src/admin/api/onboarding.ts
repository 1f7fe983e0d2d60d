// /api/admin: invitations, self sign-up settings, and sign-ups waiting for approval.
import { Hono } from 'hono';
import { audit } from '../../audit/audit';
import type { AppEnv } from '../../http/context';
import { approveSignup, pendingApprovals, rejectSignup } from '../../onboarding/approvals';
import { inviteUser, parseInvite } from '../../onboarding/invites';
import { openLinks } from '../../onboarding/links';
import { loadSignupSettings, parseSignupChanges, saveSignupSettings, signupSettingsToJson } from '../../onboarding/settings';
import { userToJson } from '../../users/user';
import { API_ACTOR as ACTOR, db, readJson } from './request';
import { fieldChanges } from '../../audit/changes';

export const onboardingApi = new Hono<AppEnv>();

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

onboardingApi.post('/users/invite', async (c) => {
  const input = parseInvite(await readJson(c));
  const invitation = await inviteUser(c, input);
  audit(c, { type: 'user.invite', actor: ACTOR, target: invitation.user.id, detail: { email: invitation.user.email, client_id: input.clientId, created: invitation.created } });
  return c.json({ user: userToJson(invitation.user), invite_expires_at: iso(invitation.expiresAt) }, invitation.created ? 201 : 200);
});

onboardingApi.get('/invites', async (c) => {
  const rows = await openLinks(db(c), 'invite');
  return c.json({ invites: rows.map((r) => ({ user_id: r.userId, email: r.email, client_id: r.data.clientId ?? null, created_at: iso(r.createdAt), expires_at: iso(r.expiresAt) })) });
});

onboardingApi.get('/signup', async (c) => c.json(signupSettingsToJson(await loadSignupSettings(c.env))));

onboardingApi.patch('/signup', async (c) => {
  const previous = await loadSignupSettings(c.env);
  const next = parseSignupChanges(await readJson(c), previous);
  await saveSignupSettings(c.env, next);
  audit(c, { type: 'signup.settings', actor: ACTOR, detail: { changes: fieldChanges(signupSettingsToJson(previous), signupSettingsToJson(next)) } });
  return c.json(signupSettingsToJson(next));
});

onboardingApi.get('/signups/pending', async (c) => {
  const pending = await pendingApprovals(c);
  return c.json({ pending: pending.map((p) => ({ user_id: p.userId, email: p.email, name: p.name, requested_at: iso(p.requestedAt) })) });
});

onboardingApi.post('/signups/:userId/approve', async (c) => {
  const user = await approveSignup(c, c.req.param('userId'));
  audit(c, { type: 'signup.approve', actor: ACTOR, target: user.id, detail: { email: user.email } });
  return c.json(userToJson(user));
});

onboardingApi.post('/signups/:userId/reject', async (c) => {
  const id = c.req.param('userId');
  await rejectSignup(c, id);
  audit(c, { type: 'signup.reject', actor: ACTOR, target: id });
  return c.body(null, 204);
});

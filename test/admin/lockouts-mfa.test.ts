// Unlocking a user's second-factor codes through the admin API, in workerd with real D1:
// the lock is made by guessing codes at the real second-factor step.
import { describe, expect, it } from 'vitest';
import { admin, auditUntil, createUser } from '../helpers';
import { codeFor, form } from '../mfa/support';
import { lockedSecondFactor } from './lockouts-support';

describe('DELETE /api/admin/lockouts/mfa/:userId', () => {
  it('unlocks a locked second factor: the lockout is gone, the right code works again, and the unlock is audited', async () => {
    const { user, secret, browser, fields } = await lockedSecondFactor();
    const listed = (await (await admin('GET', '/lockouts')).json()) as { lockouts: Record<string, unknown>[] };
    expect(listed.lockouts).toContainEqual(expect.objectContaining({ kind: 'mfa', user_id: user.id }));

    expect((await admin('DELETE', `/lockouts/mfa/${user.id}`)).status).toBe(204);
    const after = (await (await admin('GET', '/lockouts')).json()) as { lockouts: Record<string, unknown>[] };
    expect(after.lockouts.some((l) => l.user_id === user.id)).toBe(false);
    expect((await browser.fetch('/login/mfa', form({ ...fields, code: await codeFor(secret, 1) }))).status).toBe(303);

    const events = await auditUntil(`user=${user.id}&type=lockout.unlock`, (e) => e.length >= 1);
    expect(events[0]).toMatchObject({ type: 'lockout.unlock', actor: 'admin-api', target: `mfa:${user.id}` });
  });

  it('answers 404 when nothing is recorded for the user', async () => {
    const user = await createUser();
    const res = await admin('DELETE', `/lockouts/mfa/${user.id}`);
    expect(res.status).toBe(404);
    expect((await res.json<{ error: string }>()).error).toBe('not_found');
    const { lockouts } = (await (await admin('GET', '/lockouts')).json()) as { lockouts: Record<string, unknown>[] };
    expect(lockouts.some((l) => l.user_id === user.id)).toBe(false);
  });
});

// Unlocking a user's second-factor codes through the admin API, in workerd with real D1:
// the lock is made by guessing codes at the real second-factor step.
import { describe, expect, it } from 'vitest';
import { admin, auditUntil, Browser, createApp, createUser, hiddenFields, PASSWORD } from '../helpers';
import { codeFor, enrolTotp, form, signedIn } from '../mfa/support';

/** A user with an authenticator app whose code guesses are locked; returns the user, secret and a browser at the code step. */
async function lockedSecondFactor() {
  const app = await createApp();
  const user = await createUser();
  const { secret } = await enrolTotp(await signedIn(user.email));
  const browser = new Browser();
  const start = await browser.fetch(`/sso/jwt/${app.client_id}?redirect_uri=${encodeURIComponent('https://app.example.com/callback')}&state=s1`);
  const login = await browser.fetch(start.headers.get('location')!);
  const next = (await browser.submitLogin(await login.text(), user.email, PASSWORD)).headers.get('location')!;
  const fields = hiddenFields(await (await browser.fetch(next)).text());
  const right = await codeFor(secret, 1);
  const wrong = right === '000000' ? '111111' : '000000';
  let status = 0;
  for (let i = 0; i < 40 && status !== 429; i++) status = (await browser.fetch('/login/mfa', form({ ...fields, code: wrong }))).status;
  expect(status).toBe(429);
  return { user, secret, browser, fields };
}

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

// A passkey or authenticator app planted with a stolen password must not outlive recovery: a
// password reset offers to remove every second factor (and signs out everywhere), an admin's
// reset of the factors removes them and signs the user out everywhere.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/db/client';
import { userFactors } from '../../src/mfa/factors';
import { generateRecoveryCodes } from '../../src/mfa/recovery';
import { createUser, PASSWORD } from '../helpers';
import { adminCall, linkIn, mailsTo, Person } from './support';

const NEW_PASSWORD = 'a brand new passphrase';

/** A user with a passkey (as one planted by a password-only session would be) and recovery codes. */
async function userWithFactors(user?: { id: string; email: string }) {
  user ??= await createUser();
  const now = Math.floor(Date.now() / 1000);
  await env.DB.prepare("insert into webauthn_credentials (id, user_id, public_key, device_type, created_at) values (?, ?, 'planted', 'singleDevice', ?)").bind(`cred-${user.id}`, user.id, now).run();
  await generateRecoveryCodes(database(env.DB), user.id);
  return user;
}

async function resetLink(email: string): Promise<string> {
  expect((await new Person().submit('/password/forgot', '/password/forgot', { email })).status).toBe(200);
  return linkIn(mailsTo(email).at(-1));
}

describe('a password reset offers to remove every second factor', () => {
  it('removes them when chosen, and says so', async () => {
    const user = await userWithFactors();
    const person = new Person();
    const link = await resetLink(user.email);
    expect(await (await person.fetch(link)).text()).toContain('name="remove_factors"');
    const res = await person.submit(link, '/password/reset', { password: NEW_PASSWORD, remove_factors: 'on' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/password/reset/done?factors=removed');
    expect(await (await person.fetch(res.headers.get('location')!)).text()).toContain('second factors were removed');
    expect(await userFactors(database(env.DB), user.id)).toEqual({ totp: false, passkeys: 0, recoveryCodes: 0 });
  });

  it('keeps them when not chosen', async () => {
    const user = await userWithFactors();
    const person = new Person();
    const res = await person.submit(await resetLink(user.email), '/password/reset', { password: NEW_PASSWORD });
    expect(res.status).toBe(303);
    expect((await userFactors(database(env.DB), user.id)).passkeys).toBe(1);
  });

  it('is not offered to a user without any', async () => {
    const user = await createUser();
    expect(await (await new Person().fetch(await resetLink(user.email))).text()).not.toContain('remove_factors');
  });
});

describe("an admin's reset of the factors", () => {
  it('removes every factor and signs the user out everywhere', async () => {
    const user = await createUser();
    const browser = new Person();
    expect((await browser.signIn(user.email, PASSWORD)).status).toBe(303);
    await userWithFactors(user); // planted by this password-only session
    expect((await browser.fetch('/my-apps')).status).toBe(200);
    const res = await adminCall('DELETE', `/users/${user.id}/factors`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ passkeys: 0, recovery_codes_left: 0, sessions_ended: 1 });
    expect((await browser.fetch('/my-apps')).status).toBe(303);
  });
});

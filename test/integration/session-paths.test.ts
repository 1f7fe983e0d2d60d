// Every path that starts a session applies the same MFA policy as the login form: accepting an
// invitation and confirming a sign-up sign the person in too, so a required second factor must
// hold for them (enrol before any token), not only for a typed password.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, unique } from '../helpers';
import { adminCall, linkIn, mailsTo, Person } from '../onboarding/support';

const CHOSEN = 'violet harbour evening 7';
const ssoPath = (clientId: string) => `/sso/jwt/${clientId}?redirect_uri=${encodeURIComponent('https://app.example.com/callback')}&state=s1`;

afterEach(async () => {
  await adminCall('PUT', '/settings/mfa', { policy: 'optional', require_for_console: false });
  await adminCall('PATCH', '/signup', { enabled: false, allowed_domains: [], require_approval: false });
});

/** Under a required policy a session without a second factor gets no token: the SSO URL asks for one instead of delivering. */
async function expectNoTokenWithoutSecondFactor(person: Person) {
  const app = await createApp();
  const res = await person.fetch(ssoPath(app.client_id));
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toMatch(/^\/(login\/mfa|account)\?flow=/);
}

describe('a required MFA policy holds on every path that signs a person in', () => {
  it('accepting an invitation sends the person to enrol a factor, and issues no token before it', async () => {
    expect((await adminCall('PUT', '/settings/mfa', { policy: 'required', require_for_console: false })).status).toBe(200);
    const email = `${unique('invitee-mfa')}@example.com`;
    expect((await adminCall('POST', '/users/invite', { email })).status).toBe(201);
    const person = new Person();
    const done = await person.submit(linkIn(mailsTo(email).at(-1)), '/invite', { password: CHOSEN });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toMatch(/^\/account/);
    await expectNoTokenWithoutSecondFactor(person);
  });

  it('confirming a sign-up sends the person to enrol a factor, and issues no token before it', async () => {
    expect((await adminCall('PUT', '/settings/mfa', { policy: 'required', require_for_console: false })).status).toBe(200);
    expect((await adminCall('PATCH', '/signup', { enabled: true, allowed_domains: [], require_approval: false })).status).toBe(200);
    const email = `${unique('signup-mfa')}@example.com`;
    const person = new Person();
    expect((await person.submit('/signup', '/signup', { name: 'Ida', email, password: CHOSEN })).status).toBe(200);
    const done = await person.submit(linkIn(mailsTo(email).at(-1)), '/signup/verify', {});
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toMatch(/^\/account/);
    await expectNoTokenWithoutSecondFactor(person);
  });
});

// MFA administration in workerd: the global policy, the console's own requirement, a user's
// factors and their reset (API and console, with confirmation and audit); the Account page's
// sessions and password change.
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { admin, auditUntil, Browser, createApp, createUser, delivered, hiddenFields, PASSWORD } from '../helpers';
import { codeFor, enrolTotp, form, signedIn, submitSecondFactor, throughRecoveryCodes } from './support';

const ssoPath = (clientId: string) => `/sso/jwt/${clientId}?redirect_uri=${encodeURIComponent('https://app.example.com/callback')}`;

async function setMfa(settings: Record<string, unknown>) {
  const res = await admin('PUT', '/settings/mfa', settings);
  expect(res.status).toBe(200);
  return res.json();
}

afterEach(async () => {
  await setMfa({ policy: 'optional', require_for_console: false });
});

describe('global MFA policy', () => {
  it('is read and changed through the API, and bad values are a 400', async () => {
    expect(await (await admin('GET', '/settings/mfa')).json()).toEqual({ policy: 'optional', require_for_console: false });
    expect(await setMfa({ policy: 'required' })).toEqual({ policy: 'required', require_for_console: false });
    const bad = await admin('PUT', '/settings/mfa', { policy: 'always' });
    expect(bad.status).toBe(400);
    const audited = await auditUntil('type=mfa.settings', (events) => events.some((e) => e.detail.policy === 'required'));
    expect(audited.some((e) => e.detail.policy === 'required')).toBe(true);
  });

  it('"required" makes a user without a factor enrol at the next sign-in, even for an app that follows the global setting', async () => {
    await setMfa({ policy: 'required' });
    const app = await createApp();
    const user = await createUser();
    const browser = new Browser();
    const start = await browser.fetch(ssoPath(app.client_id));
    const login = await browser.fetch(start.headers.get('location')!);
    const res = await browser.submitLogin(await login.text(), user.email, PASSWORD);
    expect(res.headers.get('location')).toMatch(/^\/account\?flow=/);
    // The session exists but carries no token until a factor is set up: the SSO URL sends it to enrol.
    const again = await browser.fetch(ssoPath(app.client_id));
    expect(again.headers.get('location')).toMatch(/^\/account\?flow=/);
  });

  it('"off" skips the second factor even for a user who has one; an app\'s "required" still asks', async () => {
    const user = await createUser();
    const { secret } = await enrolTotp(await signedIn(user.email));
    await setMfa({ policy: 'off' });
    const relaxed = await createApp();
    const strict = await createApp({ mfa: 'required' });
    const browser = new Browser();
    const start = await browser.fetch(ssoPath(relaxed.client_id));
    const login = await browser.fetch(start.headers.get('location')!);
    const res = await browser.submitLogin(await login.text(), user.email, PASSWORD);
    const { params } = await delivered(await browser.fetch(res.headers.get('location')!));
    expect(decodeJwt(params.id_token!).amr).toEqual(['pwd']);
    const step = await browser.fetch(ssoPath(strict.client_id));
    const done = await submitSecondFactor(browser, step.headers.get('location')!, await codeFor(secret, 1));
    expect(done.status).toBe(303);
  });

  it('the console can require a second factor: an admin with a password-only session is sent to enrol, then let in', async () => {
    const adminUser = await createUser({ roles: ['admin'] });
    const browser = await signedIn(adminUser.email);
    expect((await browser.fetch('/admin/users')).status).toBe(200);
    await setMfa({ require_for_console: true });
    const gate = await browser.fetch('/admin/users');
    expect(gate.headers.get('location')).toMatch(/^\/account\?flow=/);
    const flow = new URL(gate.headers.get('location')!, 'https://x').searchParams.get('flow')!;
    const { res } = await enrolTotp(browser, flow);
    // The codes first, then on to the console, past the same gate.
    await throughRecoveryCodes(browser, res, '/admin/users');
    expect((await browser.fetch('/admin/users')).status).toBe(200);
  });
});

describe("a user's factors", () => {
  it('are listed and reset through the API, audited', async () => {
    const user = await createUser();
    await enrolTotp(await signedIn(user.email));
    // The first factor came with a set of recovery codes.
    expect(await (await admin('GET', `/users/${user.id}/factors`)).json()).toEqual({ user_id: user.id, totp: true, passkeys: 0, recovery_codes_left: 10 });
    const reset = await admin('DELETE', `/users/${user.id}/factors`);
    expect(await reset.json()).toMatchObject({ user_id: user.id, totp: false, passkeys: 0, recovery_codes_left: 0 }); // and sessions_ended: the reset signs the user out everywhere
    const audited = await auditUntil(`type=mfa.reset&target=${user.id}`, (events) => events.length === 1);
    expect(audited.length === 1).toBe(true);
    expect((await admin('GET', '/users/nobody/factors')).status).toBe(404);
  });

  it('are shown on the console user page and reset after a confirmation page', async () => {
    const adminUser = await createUser({ roles: ['admin'] });
    const console = await signedIn(adminUser.email);
    const user = await createUser();
    await enrolTotp(await signedIn(user.email));
    const page = await (await console.fetch(`/admin/users/${user.id}`)).text();
    expect(page).toContain('Authenticator app: set up');
    const confirm = await console.fetch(`/admin/users/${user.id}/factors/reset`);
    const html = await confirm.text();
    expect(html).toContain('Reset second factors?');
    // Without the CSRF token: refused, nothing removed.
    expect((await console.fetch(`/admin/users/${user.id}/factors/reset`, form({}))).status).toBe(403);
    const done = await console.fetch(`/admin/users/${user.id}/factors/reset`, form(hiddenFields(html)));
    expect(done.status).toBe(303);
    expect(await (await console.fetch(done.headers.get('location')!)).text()).toContain('Authenticator app: none');
    const audited = await auditUntil(`type=mfa.reset&target=${user.id}`, (events) => events.some((e) => e.actor === adminUser.id));
    expect(audited.some((e) => e.actor === adminUser.id)).toBe(true);
  });
});

describe('Account page', () => {
  it('lists the user\'s sessions and ends another one', async () => {
    const user = await createUser();
    const laptop = await signedIn(user.email);
    const phone = await signedIn(user.email);
    const html = await (await laptop.fetch('/account')).text();
    const ids = [...html.matchAll(/name="session" value="([0-9a-f]{64})"/g)].map((m) => m[1]!);
    expect(ids).toHaveLength(2);
    expect(html).toContain('(this browser)');
    const otherRow = html.split('<tr>').find((row) => row.includes('name="session"') && !row.includes('(this browser)'))!;
    const other = /name="session" value="([0-9a-f]{64})"/.exec(otherRow)![1]!;
    const res = await laptop.fetch('/account/sessions/end', form({ csrf: hiddenFields(html).csrf!, session: other }));
    expect(res.headers.get('location')).toBe('/account?done=session-ended');
    expect((await phone.fetch('/my-apps')).headers.get('location')).toBe('/login');
    expect((await laptop.fetch('/my-apps')).status).toBe(200);
  });

  it('changes the password with the current one, ending the other sessions', async () => {
    const user = await createUser();
    const laptop = await signedIn(user.email);
    const phone = await signedIn(user.email);
    const html = await (await laptop.fetch('/account')).text();
    const csrf = hiddenFields(html).csrf!;
    const wrong = await laptop.fetch('/account/password', form({ csrf, current_password: 'not it', new_password: 'a new long password' }));
    expect(wrong.status).toBe(400);
    const res = await laptop.fetch('/account/password', form({ csrf, current_password: PASSWORD, new_password: 'a new long password' }));
    expect(res.headers.get('location')).toBe('/account?done=password');
    expect((await phone.fetch('/my-apps')).headers.get('location')).toBe('/login');
    expect((await laptop.fetch('/my-apps')).status).toBe(200);
    const fresh = new Browser();
    const login = await fresh.fetch('/login');
    expect((await fresh.submitLogin(await login.text(), user.email, 'a new long password')).status).toBe(303);
  });

  it('needs a session and CSRF', async () => {
    expect((await new Browser().fetch('/account')).headers.get('location')).toBe('/login');
    const user = await createUser();
    const browser = await signedIn(user.email);
    expect((await browser.fetch('/account/recovery-codes', form({}))).status).toBe(403);
  });
});

// Issue #20, High: the second factor could be skipped by signing in through an app with
// mfa "off". The session records what was proven and every app, the console and /account decide
// for themselves at every request (src/mfa/assurance.ts); the refresh grant follows the policy;
// an admin may require a second factor of one user; factor changes reach live sessions.
import { env } from 'cloudflare:workers';
import { decodeJwt } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/encoding';
import { admin, Browser, createApp, createUser, delivered, hiddenFields, PASSWORD } from '../helpers';
import { authorizePath, challengeOf, oidcApp, redeem, refreshWith, responseParams, VERIFIER, type TokenResponse } from '../oidc/support';
import { codeFor, enrolTotp, form, signedIn, stepUpWithCode, submitSecondFactor } from './support';

const sso = (clientId: string) => `/sso/jwt/${clientId}?redirect_uri=${encodeURIComponent('https://app.example.com/callback')}&state=s1`;
const STEP_UP = /^\/login\/mfa\?flow=/;

async function setGlobal(policy: 'off' | 'optional' | 'required', requireForConsole = false) {
  expect((await admin('PUT', '/settings/mfa', { policy, require_for_console: requireForConsole })).status).toBe(200);
}

async function userWithTotp(fields: Record<string, unknown> = {}) {
  const user = await createUser(fields);
  const browser = await signedIn(user.email);
  const { secret, res } = await enrolTotp(browser);
  expect(res.status).toBe(303);
  return { user, secret };
}

/** The password alone, through an app whose policy is off: that app gets its token (amr [pwd]). */
async function passwordOnlyThroughOffApp(email: string): Promise<Browser> {
  const off = await createApp({ mfa: 'off' });
  const browser = new Browser();
  const { params } = await delivered(await browser.signInThrough(sso(off.client_id), email, PASSWORD));
  expect(decodeJwt(params.id_token!).amr).toEqual(['pwd']);
  return browser;
}

beforeEach(() => setGlobal('optional'));

describe.each(['optional', 'required'] as const)('a password-only session from an off app, global policy %s', (global) => {
  beforeEach(() => setGlobal(global));

  it('gets no id_token from an app under the global policy: asked for the code (not the password), then amr names it', async () => {
    const { user, secret } = await userWithTotp();
    const browser = await passwordOnlyThroughOffApp(user.email);
    const other = await createApp();
    const res = await browser.fetch(sso(other.client_id));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(STEP_UP);
    const done = await submitSecondFactor(browser, res.headers.get('location')!, await codeFor(secret, 1));
    expect(done.status).toBe(303);
    const { params } = await delivered(await browser.fetch(done.headers.get('location')!));
    const claims = decodeJwt(params.id_token!);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.sub).toBe(user.id);
  });

  it('gets no OIDC code: the authorization endpoint sends it to the step-up page', async () => {
    const { user } = await userWithTotp();
    const browser = await passwordOnlyThroughOffApp(user.email);
    const app = await oidcApp();
    const res = await browser.fetch(authorizePath(app, { code_challenge: await challengeOf(VERIFIER), code_challenge_method: 'S256' }));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(STEP_UP);
  });

  it('does not reach the console, and cannot remove the factor on /account', async () => {
    const { user } = await userWithTotp({ roles: ['admin'] });
    const browser = await passwordOnlyThroughOffApp(user.email);
    const console = await browser.fetch('/admin');
    expect(console.headers.get('location')).toMatch(STEP_UP);
    const csrf = hiddenFields(await (await browser.fetch('/account')).text()).csrf!;
    const remove = await browser.fetch('/account/totp/remove', form({ csrf }));
    expect(remove.headers.get('location')).toMatch(STEP_UP);
    const row = await env.DB.prepare('select confirmed_at from mfa_totp where user_id = ?').bind(user.id).first<{ confirmed_at: number | null }>();
    expect(row?.confirmed_at).not.toBeNull();
  });
});

describe('changing security settings needs a recent second factor', () => {
  it('a password-only session is sent to the step-up page for a password change; after the code, the change goes through', async () => {
    const { user, secret } = await userWithTotp();
    const browser = await signedIn(user.email); // global optional: asked for the code at sign-in …
    expect((await browser.fetch('/my-apps')).headers.get('location')).toBe('/login');
    const offBrowser = await passwordOnlyThroughOffApp(user.email); // … but not through an off app
    const html = await (await offBrowser.fetch('/account')).text();
    const change = { csrf: hiddenFields(html).csrf!, current_password: PASSWORD, new_password: 'a brand new password' };
    const refused = await offBrowser.fetch('/account/password', form(change));
    expect(refused.headers.get('location')).toMatch(STEP_UP);
    await stepUpWithCode(offBrowser, secret);
    const csrf = hiddenFields(await (await offBrowser.fetch('/account')).text()).csrf!;
    const done = await offBrowser.fetch('/account/password', form({ ...change, csrf }));
    expect(done.headers.get('location')).toBe('/account?done=password');
  });

  it('a user without a factor on a session older than a few minutes signs in again before adding one', async () => {
    const user = await createUser();
    const browser = await signedIn(user.email);
    const key = `session:${await sha256Hex(browser.cookies.get('__Host-edge-sso-session')!)}`;
    const record = (await env.KV.get<{ authTime: number }>(key, 'json'))!;
    await env.KV.put(key, JSON.stringify({ ...record, authTime: record.authTime - 3600 }));
    const html = await (await browser.fetch('/account')).text();
    const res = await browser.fetch('/account/totp', form({ csrf: hiddenFields(html).csrf!, code: '123456' }));
    expect(res.headers.get('location')).toMatch(/^\/login\?flow=/);
  });
});

describe('"the user has a factor" reaches live sessions', () => {
  it('a factor enrolled in another browser makes the next token ask for it', async () => {
    const user = await createUser();
    const first = new Browser();
    const app = await createApp();
    await delivered(await first.signInThrough(sso(app.client_id), user.email, PASSWORD));
    await enrolTotp(await signedIn(user.email));
    expect((await first.fetch(sso(app.client_id))).headers.get('location')).toMatch(STEP_UP);
  });
});

describe('an admin can require a second factor of one user', () => {
  it('mfa_required on POST: that user enrols before any token, even through an off app', async () => {
    const user = await createUser({ mfa_required: true });
    expect((await (await admin('GET', `/users/${user.id}`)).json<{ mfa_required: boolean }>()).mfa_required).toBe(true);
    const off = await createApp({ mfa: 'off' });
    const browser = new Browser();
    const login = await browser.fetch((await browser.fetch(sso(off.client_id))).headers.get('location')!);
    const res = await browser.submitLogin(await login.text(), user.email, PASSWORD);
    expect(res.headers.get('location')).toMatch(/^\/account\?flow=/);
    expect((await browser.fetch(sso(off.client_id))).headers.get('location')).toMatch(/^\/account\?flow=/);
  });

  it('mfa_required on PATCH reaches a live session at once', async () => {
    const user = await createUser();
    const browser = new Browser();
    const app = await createApp();
    await delivered(await browser.signInThrough(sso(app.client_id), user.email, PASSWORD));
    expect((await admin('PATCH', `/users/${user.id}`, { mfa_required: true })).status).toBe(200);
    expect((await browser.fetch(sso(app.client_id))).headers.get('location')).toMatch(/^\/account\?flow=/);
  });
});

describe('refresh follows the policy', () => {
  it('a grant issued without a second factor is refused (invalid_grant) once the app needs one', async () => {
    const { user } = await userWithTotp();
    const app = await oidcApp({ mfa: 'off' });
    const browser = new Browser();
    const login = await browser.fetch(authorizePath(app, { code_challenge: await challengeOf(VERIFIER), code_challenge_method: 'S256', scope: 'openid offline_access' }));
    const page = await browser.fetch(login.headers.get('location')!);
    const back = await browser.submitLogin(await page.text(), user.email, PASSWORD);
    const code = responseParams(await browser.fetch(back.headers.get('location')!)).code!;
    const tokens = await (await redeem(app, code)).json<TokenResponse>();
    expect(decodeJwt(tokens.id_token).amr).toEqual(['pwd']);
    const again = await (await refreshWith(app, tokens.refresh_token!)).json<TokenResponse>();
    expect(again.refresh_token).toBeTruthy();

    expect((await admin('PATCH', `/apps/${app.client_id}`, { mfa: 'optional' })).status).toBe(200);
    const refused = await refreshWith(app, again.refresh_token!);
    expect(refused.status).toBe(400);
    expect((await refused.json<{ error: string }>()).error).toBe('invalid_grant');
  });
});

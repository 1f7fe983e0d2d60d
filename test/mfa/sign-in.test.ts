// Multi-factor sign-in through the Worker, in workerd with real D1 and KV: the second-factor
// step, replay and throttling of codes, recovery codes, amr/acr in tokens, required policy and step-up.
import { env } from 'cloudflare:workers';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/db/client';
import { consumeRecoveryCode, generateRecoveryCodes } from '../../src/mfa/recovery';
import { admin, Browser, createApp, createUser, delivered, hiddenFields, PASSWORD } from '../helpers';
import { codeFor, enrolTotp, form, signedIn, submitSecondFactor, throughRecoveryCodes } from './support';

const ssoPath = (clientId: string) => `/sso/jwt/${clientId}?redirect_uri=${encodeURIComponent('https://app.example.com/callback')}&state=s1`;

async function userWithTotp() {
  const user = await createUser();
  const browser = await signedIn(user.email);
  const { secret, res } = await enrolTotp(browser);
  await throughRecoveryCodes(browser, res, '/account?done=totp');
  return { user, secret };
}

/** Password step of a sign-in through the SSO URL: returns the browser and where it was sent next. */
async function passwordStep(clientId: string, email: string, password = PASSWORD) {
  const browser = new Browser();
  const start = await browser.fetch(ssoPath(clientId));
  const login = await browser.fetch(start.headers.get('location')!);
  const res = await browser.submitLogin(await login.text(), email, password);
  expect(res.status).toBe(303);
  return { browser, next: res.headers.get('location')! };
}

describe('second factor at sign-in', () => {
  it('asks a user with an authenticator app for a code, then issues amr [pwd, otp, mfa] and the mfa acr', async () => {
    const app = await createApp();
    const { user, secret } = await userWithTotp();
    const { browser, next } = await passwordStep(app.client_id, user.email);
    expect(next).toMatch(/^\/login\/mfa\?flow=/);
    // No session yet: the SSO URL sends the browser to sign in again, it gets no token.
    const early = await browser.fetch(ssoPath(app.client_id));
    expect(early.headers.get('location')).toMatch(/^\/login\?flow=/);
    const done = await submitSecondFactor(browser, next, await codeFor(secret, 1));
    expect(done.status).toBe(303);
    const { params } = await delivered(await browser.fetch(done.headers.get('location')!));
    const claims = decodeJwt(params.id_token!);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe('urn:edge-sso:mfa');
    expect(claims.sub).toBe(user.id);
  });

  it('a password-only sign-in carries amr [pwd] and the single-factor acr', async () => {
    const app = await createApp();
    const user = await createUser();
    const { browser, next } = await passwordStep(app.client_id, user.email);
    const { params } = await delivered(await browser.fetch(next));
    const claims = decodeJwt(params.id_token!);
    expect(claims.amr).toEqual(['pwd']);
    expect(claims.acr).toBe('urn:edge-sso:pwd');
  });

  it('accepts a code once: the same code again is refused', async () => {
    const app = await createApp();
    const { user, secret } = await userWithTotp();
    const code = await codeFor(secret, 1);
    const first = await passwordStep(app.client_id, user.email);
    expect((await submitSecondFactor(first.browser, first.next, code)).status).toBe(303);
    const second = await passwordStep(app.client_id, user.email);
    const replay = await submitSecondFactor(second.browser, second.next, code);
    expect(replay.status).toBe(401);
    expect(await replay.text()).toContain('not correct, or was used already');
  });

  it('a wrong code is refused and no session starts', async () => {
    const app = await createApp();
    const { user, secret } = await userWithTotp();
    const { browser, next } = await passwordStep(app.client_id, user.email);
    const right = await codeFor(secret, 1);
    const wrong = right === '000000' ? '111111' : '000000';
    expect((await submitSecondFactor(browser, next, wrong)).status).toBe(401);
    expect((await browser.fetch('/my-apps')).headers.get('location')).toBe('/login');
  });

  it('throttles code guesses like passwords: past the threshold even the right code is refused with 429', async () => {
    const app = await createApp();
    const { user, secret } = await userWithTotp();
    const { browser, next } = await passwordStep(app.client_id, user.email);
    const page = await browser.fetch(next);
    const fields = hiddenFields(await page.text());
    const right = await codeFor(secret, 1);
    const wrong = right === '000000' ? '111111' : '000000';
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await browser.fetch('/login/mfa', form({ ...fields, code: wrong }))).status);
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses[30]).toBe(429);
    const locked = await browser.fetch('/login/mfa', form({ ...fields, code: right }));
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBeTruthy();
    // Counted apart from the password: the admin sees it as this user's second-factor lock.
    const lockouts = (await (await admin('GET', '/lockouts')).json()) as { lockouts: Record<string, unknown>[] };
    expect(lockouts.lockouts).toContainEqual(expect.objectContaining({ kind: 'mfa', user_id: user.id }));
    expect(lockouts.lockouts.some((l) => l.email === user.email)).toBe(false);
  });

  it('a recovery code completes the sign-in once', async () => {
    const app = await createApp();
    const { user } = await userWithTotp();
    const [code] = await generateRecoveryCodes(database(env.DB), user.id);
    const first = await passwordStep(app.client_id, user.email);
    const done = await submitSecondFactor(first.browser, first.next, code!.toUpperCase());
    expect(done.status).toBe(303);
    const { params } = await delivered(await first.browser.fetch(done.headers.get('location')!));
    expect(decodeJwt(params.id_token!).amr).toEqual(['pwd', 'otp', 'mfa']);
    const again = await passwordStep(app.client_id, user.email);
    expect((await submitSecondFactor(again.browser, again.next, code!)).status).toBe(401);
  });
});

describe('recovery codes', () => {
  it('ten codes; one used by ten requests at once succeeds exactly once', async () => {
    const user = await createUser();
    const db = database(env.DB);
    const codes = await generateRecoveryCodes(db, user.id);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    const results = await Promise.all(Array.from({ length: 10 }, () => consumeRecoveryCode(db, user.id, codes[0]!)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await consumeRecoveryCode(db, user.id, codes[1]!)).toBe(true);
    // Another user's code, or garbage, is not accepted.
    const other = await createUser();
    expect(await consumeRecoveryCode(db, other.id, codes[2]!)).toBe(false);
    expect(await consumeRecoveryCode(db, user.id, 'not-a-code')).toBe(false);
    // Stored hashed: no row holds the code itself.
    const rows = await env.DB.prepare('select code_hash from recovery_codes where user_id = ?').bind(user.id).all<{ code_hash: string }>();
    expect(rows.results.map((r) => r.code_hash)).not.toContain(codes[2]);
    expect(rows.results.every((r) => /^[0-9a-f]{64}$/.test(r.code_hash))).toBe(true);
  });

  it('are shown once after they are made, on the Account page', async () => {
    const user = await createUser();
    const browser = await signedIn(user.email);
    const { res: enrolled } = await enrolTotp(browser);
    await throughRecoveryCodes(browser, enrolled, '/account?done=totp');
    const page = await browser.fetch('/account');
    const res = await browser.fetch('/account/recovery-codes', form({ csrf: hiddenFields(await page.text()).csrf! }));
    expect(res.status).toBe(303);
    const shown = await browser.fetch(res.headers.get('location')!);
    const html = await shown.text();
    expect(html.match(/<code>[a-z2-9]{5}-[a-z2-9]{5}<\/code>/g)).toHaveLength(10);
    const again = await browser.fetch('/account/recovery-codes');
    expect(again.status).toBe(303);
  });
});

describe('recovery codes back a factor up, never stand in for one', () => {
  it('without an authenticator app or passkey, the Account page offers none and making them is refused', async () => {
    const user = await createUser();
    const browser = await signedIn(user.email);
    const html = await (await browser.fetch('/account')).text();
    expect(html).not.toContain('action="/account/recovery-codes"');
    expect(html).toContain('Recovery codes back up an authenticator app or a passkey');
    const res = await browser.fetch('/account/recovery-codes', form({ csrf: hiddenFields(html).csrf! }));
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('Add an authenticator app or a passkey first');
    expect((await (await admin('GET', `/users/${user.id}/factors`)).json()) as object).toMatchObject({ recovery_codes_left: 0 });
  });

  it('codes held without a factor do not pass an app that requires MFA: the user is sent to enrol, and no mfa session or token comes of it', async () => {
    const app = await createApp({ mfa: 'required' });
    const user = await createUser();
    // Codes without a factor (made before this rule, or left after the factor was removed).
    const [code] = await generateRecoveryCodes(database(env.DB), user.id);
    const { browser, next } = await passwordStep(app.client_id, user.email);
    expect(next).toMatch(/^\/account\?flow=/);
    const flow = new URL(next, 'https://x').searchParams.get('flow')!;
    const page = await browser.fetch(`/login/mfa?flow=${encodeURIComponent(flow)}`);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toMatch(/^\/account\?flow=/);
    // The form's POST made directly, with the Account page's CSRF token.
    const csrf = hiddenFields(await (await browser.fetch(next)).text()).csrf!;
    const posted = await browser.fetch('/login/mfa', form({ csrf, flow, code: code! }));
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toMatch(/^\/account\?flow=/);
    const sso = await browser.fetch(ssoPath(app.client_id));
    expect(sso.headers.get('location')).toMatch(/^\/account\?flow=/);
    // The code was not spent on it.
    expect(await consumeRecoveryCode(database(env.DB), user.id, code!)).toBe(true);
  });
});

describe('MFA policy', () => {
  it('an app that requires MFA makes a user without a factor enrol before any token, then continues to the app', async () => {
    const app = await createApp({ mfa: 'required' });
    expect(app.mfa).toBe('required');
    const user = await createUser();
    const { browser, next } = await passwordStep(app.client_id, user.email);
    expect(next).toMatch(/^\/account\?flow=/);
    // Opening the SSO URL again does not hand out a token: it sends the browser to enrol.
    const skip = await browser.fetch(ssoPath(app.client_id));
    expect(skip.headers.get('location')).toMatch(/^\/account\?flow=/);
    const flow = new URL(next, 'https://x').searchParams.get('flow')!;
    const page = await browser.fetch(next);
    expect(await page.text()).toContain('Your administrator requires a second factor');
    const { res } = await enrolTotp(browser, flow);
    // The recovery codes first, then back to the SSO URL, which now hands out the token.
    const { onward } = await throughRecoveryCodes(browser, res);
    expect(onward.startsWith(`/sso/jwt/${app.client_id}?`)).toBe(true);
    const { params } = await delivered(await browser.fetch(onward));
    const claims = decodeJwt(params.id_token!);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe('urn:edge-sso:mfa');
  });

  it('step-up: a live password-only session opening an app that requires MFA gets the second-factor page, not the password page', async () => {
    const relaxed = await createApp({ mfa: 'off' });
    const strict = await createApp({ mfa: 'required' });
    const { user, secret } = await userWithTotp();
    const { browser, next } = await passwordStep(relaxed.client_id, user.email);
    const first = await delivered(await browser.fetch(next));
    expect(decodeJwt(first.params.id_token!).amr).toEqual(['pwd']);
    const stepUp = await browser.fetch(ssoPath(strict.client_id));
    expect(stepUp.status).toBe(303);
    expect(stepUp.headers.get('location')).toMatch(/^\/login\/mfa\?flow=/);
    const done = await submitSecondFactor(browser, stepUp.headers.get('location')!, await codeFor(secret, 1));
    expect(done.status).toBe(303);
    const { params } = await delivered(await browser.fetch(done.headers.get('location')!));
    expect(decodeJwt(params.id_token!).amr).toEqual(['pwd', 'otp', 'mfa']);
    // prompt=none with a password-only session: the app hears interaction_required, nothing is shown.
    const other = await passwordStep(relaxed.client_id, user.email);
    await other.browser.fetch(other.next);
    const none = await other.browser.fetch(`${ssoPath(strict.client_id)}&prompt=none`);
    expect((await delivered(none)).params.error).toBe('interaction_required');
  });

  it('the global policy "off" skips the second factor; the app field is validated', async () => {
    const bad = await admin('POST', '/apps', { name: 'X', redirect_urls: ['https://app.example.com/callback'], mfa: 'sometimes' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { fields: Record<string, string> }).fields.mfa).toBeTruthy();
  });
});

// Helpers for the lockout tests: a second factor locked by guessing codes at the real second-factor step.
import { expect } from 'vitest';
import { Browser, createApp, createUser, hiddenFields, PASSWORD } from '../helpers';
import { codeFor, enrolTotp, form, signedIn } from '../mfa/support';

/** A user with an authenticator app whose code guesses are locked; returns the user, secret and a browser at the code step. */
export async function lockedSecondFactor() {
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

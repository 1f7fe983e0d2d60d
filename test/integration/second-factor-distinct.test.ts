// Passwordless passkey sign-in meets step-up: a passkey used without user verification is one
// factor (amr [hwk]); an app that requires MFA asks for a second factor, and the same passkey
// again must not count as that second factor (it would make one possession factor "mfa").
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { Browser, createApp, createUser, delivered, hiddenFields, ORIGIN } from '../helpers';
import { pageOptions, SoftAuthenticator, type CreationOptions, type RequestOptions } from '../mfa/authenticator';
import { codeFor, enrolTotp, form, signedIn } from '../mfa/support';

const ssoPath = (clientId: string) => `/sso/jwt/${clientId}?redirect_uri=${encodeURIComponent('https://app.example.com/callback')}&state=s1`;

async function userWithPasskeyAndTotp() {
  const user = await createUser();
  const browser = await signedIn(user.email);
  // The authenticator app first: enrolling it gives this session its second factor, which adding the passkey then needs.
  const { secret } = await enrolTotp(browser);
  const html = await (await browser.fetch('/account')).text();
  const authenticator = new SoftAuthenticator(ORIGIN);
  const res = await browser.fetch('/account/passkeys', form({ csrf: hiddenFields(html).csrf!, response: await authenticator.register(pageOptions<CreationOptions>(html)), name: 'Key without PIN' }));
  expect(res.headers.get('location')).toBe('/account?done=passkey');
  return { authenticator, secret };
}

/** Signs in on /login/passkey with the passkey, without user verification; returns the browser and where it went. */
async function passwordlessWithoutVerification(authenticator: SoftAuthenticator, clientId: string) {
  const browser = new Browser();
  const start = await browser.fetch(ssoPath(clientId));
  const flow = new URL(start.headers.get('location')!, ORIGIN).searchParams.get('flow')!;
  const page = await (await browser.fetch(`/login/passkey?flow=${flow}`)).text();
  const res = await browser.fetch('/login/passkey', form({ ...hiddenFields(page), response: await authenticator.assert(pageOptions<RequestOptions>(page), ORIGIN, false) }));
  expect(res.status).toBe(303);
  return { browser, next: res.headers.get('location')! };
}

describe('a step-up needs a second, different factor', () => {
  it('the passkey that signed in is not accepted again as the second factor; the authenticator app is', async () => {
    const app = await createApp({ mfa: 'required' });
    const { authenticator, secret } = await userWithPasskeyAndTotp();
    const { browser, next } = await passwordlessWithoutVerification(authenticator, app.client_id);
    const step = await browser.fetch(next);
    expect(step.headers.get('location')).toMatch(/^\/login\/mfa\?flow=/);
    const page = await (await browser.fetch(step.headers.get('location')!)).text();
    const passkeyForm = /<form method="post" action="\/login\/mfa\/passkey"[\s\S]*?<\/form>/.exec(page);
    if (passkeyForm) {
      const again = await browser.fetch('/login/mfa/passkey', form({ ...hiddenFields(passkeyForm[0]), response: await authenticator.assert(pageOptions<RequestOptions>(page), ORIGIN, false) }));
      expect(again.status).toBe(401);
      // Still no token for the app: it asks for the second factor again.
      const retry = await browser.fetch(next);
      expect(retry.headers.get('location')).toMatch(/^\/login\/mfa\?flow=/);
    }
    const codePage = await (await browser.fetch(step.headers.get('location')!)).text();
    const codeForm = /<form method="post" action="\/login\/mfa"[\s\S]*?<\/form>/.exec(codePage)![0];
    const done = await browser.fetch('/login/mfa', form({ ...hiddenFields(codeForm), code: await codeFor(secret, 1) }));
    expect(done.status).toBe(303);
    const { params } = await delivered(await browser.fetch(done.headers.get('location')!));
    expect(decodeJwt(params.id_token!).amr).toEqual(['hwk', 'otp', 'mfa']);
  });
});

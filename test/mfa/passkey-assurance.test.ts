// Issue #20, Lows 8, 9 and 11, and the email a factor change sends:
//  8. a passkey without user verification is one factor: an enrolled second factor is still asked for;
//  9. the same-factor check uses the device type stored at registration, not the assertion's BE flag;
// 11. the passkey limit holds under parallel registrations; a credential ID over 1023 bytes is refused.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { MAX_PASSKEYS } from '../../src/mfa/webauthn';
import { Browser, createApp, createUser, hiddenFields, ORIGIN } from '../helpers';
import { mailsTo, Person } from '../onboarding/support';
import { pageOptions, SoftAuthenticator, type CreationOptions, type RequestOptions } from './authenticator';
import { codeFor, enrolTotp, form, signedIn, throughRecoveryCodes } from './support';

const sso = (clientId: string) => `/sso/jwt/${clientId}?redirect_uri=${encodeURIComponent('https://app.example.com/callback')}&state=s1`;

/** A user with an authenticator app and then a device-bound passkey (the session has its second factor from the app). */
async function userWithTotpAndPasskey() {
  const user = await createUser();
  const browser = await signedIn(user.email);
  const { secret } = await enrolTotp(browser);
  const html = await (await browser.fetch('/account')).text();
  const authenticator = new SoftAuthenticator(ORIGIN);
  const res = await browser.fetch('/account/passkeys', form({ csrf: hiddenFields(html).csrf!, response: await authenticator.register(pageOptions<CreationOptions>(html)), name: 'Key' }));
  expect(res.headers.get('location')).toBe('/account?done=passkey');
  return { user, secret, authenticator, browser };
}

/** Passwordless sign-in with the passkey, without user verification (amr [hwk]). */
async function passwordless(authenticator: SoftAuthenticator, clientId: string) {
  const browser = new Browser();
  const start = await browser.fetch(sso(clientId));
  const flow = new URL(start.headers.get('location')!, ORIGIN).searchParams.get('flow')!;
  const page = await (await browser.fetch(`/login/passkey?flow=${flow}`)).text();
  const res = await browser.fetch('/login/passkey', form({ ...hiddenFields(page), response: await authenticator.assert(pageOptions<RequestOptions>(page), ORIGIN, false) }));
  expect(res.status).toBe(303);
  return { browser, next: res.headers.get('location')! };
}

describe('a passkey without user verification is one factor', () => {
  it('Low 8: an app under the global (optional) policy asks a user with an authenticator app for it', async () => {
    const app = await createApp();
    const { authenticator } = await userWithTotpAndPasskey();
    const { browser, next } = await passwordless(authenticator, app.client_id);
    const res = await browser.fetch(next);
    expect(res.headers.get('location')).toMatch(/^\/login\/mfa\?flow=/);
  });

  it('Low 9: the same passkey claiming to be backup-eligible is still the same factor', async () => {
    const app = await createApp({ mfa: 'required' });
    const { authenticator } = await userWithTotpAndPasskey();
    const { browser, next } = await passwordless(authenticator, app.client_id);
    const step = (await browser.fetch(next)).headers.get('location')!;
    expect(step).toMatch(/^\/login\/mfa\?flow=/);
    const page = await (await browser.fetch(step)).text();
    const passkeyForm = /<form method="post" action="\/login\/mfa\/passkey"[\s\S]*?<\/form>/.exec(page)![0];
    const flipped = await authenticator.assert(pageOptions<RequestOptions>(page), ORIGIN, false, true);
    const res = await browser.fetch('/login/mfa/passkey', form({ ...hiddenFields(passkeyForm), response: flipped }));
    expect(res.status).toBe(401);
    expect((await browser.fetch(next)).headers.get('location')).toMatch(/^\/login\/mfa\?flow=/);
  });
});

describe('passkey registration limits', () => {
  it(`Low 11: 30 parallel registrations store at most ${MAX_PASSKEYS} passkeys`, { timeout: 60_000 }, async () => {
    const user = await createUser();
    const browser = await signedIn(user.email);
    await enrolTotp(browser); // this session now has a recent second factor
    // Thirty pages, each with its own challenge cookie, then thirty registrations at once.
    const attempts = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const tab = new Browser();
        for (const [k, v] of browser.cookies) tab.cookies.set(k, v);
        const html = await (await tab.fetch('/account')).text();
        const authenticator = new SoftAuthenticator(ORIGIN);
        return { tab, body: form({ csrf: hiddenFields(html).csrf!, response: await authenticator.register(pageOptions<CreationOptions>(html)), name: 'Parallel' }) };
      }),
    );
    const results = await Promise.all(attempts.map(({ tab, body }) => tab.fetch('/account/passkeys', body)));
    const stored = await env.DB.prepare('select count(*) as n from webauthn_credentials where user_id = ?').bind(user.id).first<{ n: number }>();
    expect(stored!.n).toBe(MAX_PASSKEYS);
    expect(results.filter((r) => r.status === 303)).toHaveLength(MAX_PASSKEYS);
    expect(results.filter((r) => r.status === 400)).toHaveLength(30 - MAX_PASSKEYS);
  });

  it('Low 11: a credential ID over 1023 bytes is refused at registration', async () => {
    const user = await createUser();
    const browser = await signedIn(user.email);
    const html = await (await browser.fetch('/account')).text();
    const authenticator = new SoftAuthenticator(ORIGIN, true, 1024);
    const res = await browser.fetch('/account/passkeys', form({ csrf: hiddenFields(html).csrf!, response: await authenticator.register(pageOptions<CreationOptions>(html)), name: 'Long' }));
    expect(res.status).toBe(400);
    const stored = await env.DB.prepare('select count(*) as n from webauthn_credentials where user_id = ?').bind(user.id).first<{ n: number }>();
    expect(stored!.n).toBe(0);
  });
});

describe('a factor change is emailed to the user', () => {
  it('enrolling and removing an authenticator app each send a message to the account address', async () => {
    const user = await createUser();
    const person = new Person();
    expect((await person.signIn(user.email, 'correct horse battery')).status).toBe(303);
    const html = await (await person.fetch('/account')).text();
    const secret = /<code id="totp-secret">([A-Z2-7]+)<\/code>/.exec(html)![1]!;
    const added = await person.post('/account/totp', { csrf: hiddenFields(html).csrf!, code: await codeFor(secret) });
    await throughRecoveryCodes(person, added, '/account?done=totp');
    expect(mailsTo(user.email).map((m) => m.subject)).toContain('Security alert: an authenticator app added');
    const removed = await person.submit('/account', '/account/totp/remove', {});
    expect(removed.headers.get('location')).toBe('/account?done=totp-removed');
    expect(mailsTo(user.email).map((m) => m.subject)).toContain('Security alert: an authenticator app removed');
  });
});

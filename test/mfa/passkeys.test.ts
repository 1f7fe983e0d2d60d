// Passkeys in workerd: @simplewebauthn/server's verifyRegistrationResponse and
// verifyAuthenticationResponse run here against a software authenticator, through the Account
// page, passwordless sign-in and the second-factor page.
import { env } from 'cloudflare:workers';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { Browser, createApp, delivered, hiddenFields, ORIGIN, PASSWORD } from '../helpers';
import { pageOptions, type RequestOptions } from './authenticator';
import { form, userWithPasskey } from './support';

const CHALLENGE_COOKIE = '__Host-edge-sso-webauthn';
const ssoPath = (clientId: string) => `/sso/jwt/${clientId}?redirect_uri=${encodeURIComponent('https://app.example.com/callback')}`;

describe('passkeys', () => {
  it('registers from the Account page: the credential is stored with its public key, counter and transports', async () => {
    const { user, authenticator, browser } = await userWithPasskey();
    const row = await env.DB.prepare('select * from webauthn_credentials where id = ?').bind(authenticator.id).first<Record<string, unknown>>();
    expect(row).toMatchObject({ user_id: user.id, counter: 0, transports: '["internal"]', device_type: 'singleDevice', backed_up: 0, name: 'Test key' });
    expect(String(row!.public_key).length).toBeGreaterThan(50);
    expect(await (await browser.fetch('/account')).text()).toContain('Test key');
  });

  it('signs in without a password: amr [hwk, mfa], acr mfa; a replayed assertion is refused even with a counter that stays 0', async () => {
    const app = await createApp();
    const { authenticator } = await userWithPasskey(false);
    const browser = new Browser();
    const start = await browser.fetch(ssoPath(app.client_id));
    const flow = new URL(start.headers.get('location')!, ORIGIN).searchParams.get('flow')!;
    const login = await (await browser.fetch(`/login?flow=${flow}`)).text();
    expect(login).toContain('Sign in with a passkey');
    const page = await (await browser.fetch(`/login/passkey?flow=${flow}`)).text();
    const options = pageOptions<RequestOptions>(page);
    const assertion = await authenticator.assert(options);
    const challengeCookie = browser.cookies.get(CHALLENGE_COOKIE)!;
    const res = await browser.fetch('/login/passkey', form({ ...hiddenFields(page), response: assertion }));
    expect(res.status).toBe(303);
    const { params } = await delivered(await browser.fetch(res.headers.get('location')!));
    const claims = decodeJwt(params.id_token!);
    expect(claims.amr).toEqual(['hwk', 'mfa']);
    expect(claims.acr).toBe('urn:edge-sso:mfa');

    // The same assertion with its challenge cookie, sent again by someone who captured both.
    const thief = new Browser();
    thief.cookies.set(CHALLENGE_COOKIE, challengeCookie);
    const thiefPage = await (await thief.fetch(`/login/passkey?flow=${flow}`)).text();
    thief.cookies.set(CHALLENGE_COOKIE, challengeCookie);
    const replay = await thief.fetch('/login/passkey', form({ ...hiddenFields(thiefPage), response: assertion }));
    expect(replay.status).toBe(401);
    expect((await thief.fetch('/my-apps')).headers.get('location')).toBe('/login');
  });

  it('is refused when signed for another origin', async () => {
    const { authenticator } = await userWithPasskey();
    const browser = new Browser();
    const page = await (await browser.fetch('/login/passkey')).text();
    const res = await browser.fetch('/login/passkey', form({ ...hiddenFields(page), response: await authenticator.assert(pageOptions(page), 'https://evil.example') }));
    expect(res.status).toBe(401);
  });

  it('is offered as the second factor after a password, and completes it: amr [pwd, hwk, mfa]', async () => {
    const app = await createApp();
    const { user, authenticator } = await userWithPasskey();
    const browser = new Browser();
    const start = await browser.fetch(ssoPath(app.client_id));
    const login = await browser.fetch(start.headers.get('location')!);
    const res = await browser.submitLogin(await login.text(), user.email, PASSWORD);
    expect(res.headers.get('location')).toMatch(/^\/login\/mfa\?flow=/);
    const page = await (await browser.fetch(res.headers.get('location')!)).text();
    const options = pageOptions<RequestOptions>(page);
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([authenticator.id]);
    const fields = /<form method="post" action="\/login\/mfa\/passkey"[\s\S]*?<\/form>/.exec(page)![0];
    const done = await browser.fetch('/login/mfa/passkey', form({ ...hiddenFields(fields), response: await authenticator.assert(options) }));
    expect(done.status).toBe(303);
    const { params } = await delivered(await browser.fetch(done.headers.get('location')!));
    expect(decodeJwt(params.id_token!).amr).toEqual(['pwd', 'hwk', 'mfa']);
  });

  it("another user's passkey is not accepted as this user's second factor", async () => {
    const { authenticator: theirs } = await userWithPasskey();
    const { user } = await userWithPasskey();
    const browser = new Browser();
    const login = await browser.fetch('/login');
    const res = await browser.submitLogin(await login.text(), user.email, PASSWORD);
    const page = await (await browser.fetch(res.headers.get('location')!)).text();
    const options = pageOptions<RequestOptions>(page);
    const fields = /<form method="post" action="\/login\/mfa\/passkey"[\s\S]*?<\/form>/.exec(page)![0];
    const done = await browser.fetch('/login/mfa/passkey', form({ ...hiddenFields(fields), response: await theirs.assert(options) }));
    expect(done.status).toBe(401);
  });
});

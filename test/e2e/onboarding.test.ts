// End to end: wrangler dev mails over real SMTP to a local aiosmtpd catcher; a person in Chromium
// opens the links from the caught messages. Invitation, self sign-up with verification, forgot
// password with reset, each ending with a sign-in (and the old password refused after a reset).
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
// @ts-ignore -- oidc-provider ships no type declarations
import Provider from 'oidc-provider';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailCatcher, type MailCatcher } from './mail-catcher';
import { arriveAt, freePort, launchChromium, newPage, startLocalWorker, startStubApp, stopAll, withDiagnostics, type LocalWorker } from './support';

let mail: MailCatcher;
let worker: LocalWorker;
let browser: Browser;

beforeAll(async () => {
  mail = await startMailCatcher();
  worker = await startLocalWorker({ vars: { SMTP_URL: mail.smtpUrl, EMAIL_FROM: '' } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await mail?.stop();
  await stopAll();
});

const diagnose = <T>(fn: () => Promise<T>) => withDiagnostics(fn, { sources: () => [worker, mail] });
const isPath = (path: string) => (url: URL) => url.pathname === path;

/** The link with a token in a caught message's text part. */
function linkFrom(text: string): string {
  const match = /http:\/\/localhost:\d+\/\S+token=[A-Za-z0-9_-]+/.exec(text);
  if (!match) throw new Error(`no link in the message:\n${text}`);
  return match[0];
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto(`${worker.url}/login`);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('onboarding over real email', () => {
  it('an admin invites; the invitee opens the mailed link, sets a password and is signed in', () =>
    diagnose(async () => {
      const email = 'invitee@example.com';
      await worker.api('POST', '/users/invite', { email, name: 'Jürgen Invitee' });
      const message = await mail.waitForMessage(email);
      expect(message.subject).toBe('You are invited to edge-sso');
      expect(message.text).toContain('Hello Jürgen Invitee');

      const person = await newPage(browser);
      try {
        await person.page.goto(linkFrom(message.text));
        await person.page.getByLabel('New password').fill('invited and trusted 7');
        await arriveAt(person.page, isPath('/my-apps'), () => person.page.getByRole('button', { name: 'Set password and sign in' }).click());
        expect(await person.page.locator('body').innerText()).toContain(`Signed in as ${email}`);
      } finally {
        await person.close();
      }
      const again = await newPage(browser);
      try {
        await arriveAt(again.page, isPath('/my-apps'), () => signIn(again.page, email, 'invited and trusted 7'));
      } finally {
        await again.close();
      }
    }));

  it('an invitation that lands on an app: one click on the form ends at the app in a real browser (CSP form-action)', () =>
    diagnose(async () => {
      const app = await startStubApp({ body: 'the invited app' });
      const { client_id } = await worker.api<{ client_id: string }>('POST', '/apps', {
        name: 'Landing App',
        redirect_urls: [`${app.url}/callback`],
        initiate_login_url: `${app.url}/start`,
      });
      const email = 'lands-on-app@example.com';
      await worker.api('POST', '/users/invite', { email, client_id });
      const message = await mail.waitForMessage(email);
      const person = await newPage(browser);
      try {
        await person.page.goto(linkFrom(message.text));
        await person.page.getByLabel('New password').fill('invited to an app 7');
        await arriveAt(person.page, (url) => url.origin === app.url && url.pathname === '/start', () =>
          person.page.getByRole('button', { name: 'Set password and sign in' }).click(),
        );
        expect(await person.page.locator('body').innerText()).toContain('the invited app');
      } finally {
        await person.close();
      }
    }));

  it('self sign-up: the form, the verification mail, then sign-in', () =>
    diagnose(async () => {
      await worker.api('PATCH', '/signup', { enabled: true, allowed_domains: ['example.net'] });
      const email = 'newcomer@example.net';
      const person = await newPage(browser);
      try {
        await person.page.goto(`${worker.url}/login`);
        await arriveAt(person.page, isPath('/signup'), () => person.page.getByRole('link', { name: 'Create an account' }).click());
        await person.page.getByLabel('Name').fill('Newcomer Ñandú');
        await person.page.getByLabel('Email').fill(email);
        await person.page.getByLabel('Password').fill('password1');
        await person.page.getByRole('button', { name: 'Create account' }).click();
        expect(await person.page.locator('body').innerText()).toContain('most common');
        await person.page.getByLabel('Password').fill('a sign-up of my own');
        await person.page.getByRole('button', { name: 'Create account' }).click();
        expect(await person.page.locator('h1').innerText()).toBe('Check your inbox');

        const message = await mail.waitForMessage(email);
        expect(message.subject).toBe('Confirm your email address for edge-sso');
        await person.page.goto(linkFrom(message.text));
        await arriveAt(person.page, isPath('/my-apps'), () => person.page.getByRole('button', { name: 'Confirm and create my account' }).click());
      } finally {
        await person.close();
      }
      const later = await newPage(browser);
      try {
        await arriveAt(later.page, isPath('/my-apps'), () => signIn(later.page, email, 'a sign-up of my own'));
      } finally {
        await later.close();
      }
    }));

  it('forgot password: the mailed link sets a new one; the old password is refused afterwards', () =>
    diagnose(async () => {
      const email = 'forgetful@example.com';
      await worker.api('POST', '/users', { email, password: 'the old password 1' });
      const person = await newPage(browser);
      try {
        await person.page.goto(`${worker.url}/login`);
        await arriveAt(person.page, isPath('/password/forgot'), () => person.page.getByRole('link', { name: 'Forgot your password?' }).click());
        await person.page.getByLabel('Email').fill(email);
        await person.page.getByRole('button', { name: 'Send the link' }).click();
        expect(await person.page.locator('h1').innerText()).toBe('Check your inbox');

        const message = await mail.waitForMessage(email);
        expect(message.subject).toBe('Reset your edge-sso password');
        await person.page.goto(linkFrom(message.text));
        await person.page.getByLabel('New password').fill('the new password 2');
        await person.page.getByRole('button', { name: 'Set new password' }).click();
        expect(await person.page.locator('h1').innerText()).toBe('Your password is changed');

        await signIn(person.page, email, 'the old password 1');
        expect(await person.page.locator('[role=alert]').innerText()).toContain('The email or password is not correct.');
        await arriveAt(person.page, isPath('/my-apps'), () => signIn(person.page, email, 'the new password 2'));

        // The link worked once.
        const reused = await person.page.goto(linkFrom(message.text));
        expect(reused?.status()).toBe(410);
      } finally {
        await person.close();
      }
    }));
});

describe('an invitation accepted with an identity source (node-oidc-provider upstream)', () => {
  const SLUG = 'corp';
  const SECRET = randomBytes(24).toString('base64url');
  const INVITED = 'carol@example.com';
  let upstream: { issuer: string; server: Server };

  beforeAll(async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const provider = new Provider(issuer, {
      clients: [{ client_id: 'edge-sso', client_secret: SECRET, redirect_uris: [`${worker.url}/federation/${SLUG}/callback`], grant_types: ['authorization_code'], response_types: ['code'] }],
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      features: { devInteractions: { enabled: true } },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      // The upstream does not vouch for the address: without the invitation, edge-sso would refuse to link by email.
      async findAccount(_ctx: unknown, id: string) {
        return id === 'carol' ? { accountId: id, claims: async () => ({ sub: 'carol-upstream-id', email: INVITED, email_verified: false, name: 'Carol Corp' }) } : undefined;
      },
    });
    const server = createServer(provider.callback());
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    upstream = { issuer, server };
    await worker.api('POST', '/identity-sources', { type: 'oidc', slug: SLUG, name: 'Corp ID', issuer, client_id: 'edge-sso', client_secret: SECRET });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      upstream?.server.closeAllConnections();
      upstream?.server.close(() => resolve());
    });
  });

  it('the invitee chooses "Continue with Corp ID", signs in upstream, and is linked and signed in', () =>
    diagnose(async () => {
      const { user } = await worker.api<{ user: { id: string } }>('POST', '/users/invite', { email: INVITED });
      const message = await mail.waitForMessage(INVITED);
      const person = await newPage(browser);
      try {
        const { page } = person;
        await page.goto(linkFrom(message.text));
        await arriveAt(page, (u) => u.origin === upstream.issuer, () => page.getByRole('button', { name: 'Continue with Corp ID' }).click());
        await page.locator('input[name="login"]').fill('carol');
        await page.locator('input[name="password"]').fill('any password');
        await page.locator('button[type="submit"]').click();
        await page.waitForURL((url) => !url.pathname.includes('/login') || url.origin !== upstream.issuer);
        await page.waitForLoadState('domcontentloaded');
        if (new URL(page.url()).origin === upstream.issuer) await page.getByRole('button', { name: 'Continue' }).click();
        await page.waitForURL((url) => url.origin === worker.url && url.pathname === '/my-apps');
        expect(await page.locator('body').innerText()).toContain(`Signed in as ${INVITED}`);
        // The invitation is used.
        const reused = await page.goto(linkFrom(message.text));
        expect(reused?.status()).toBe(410);
      } finally {
        await person.close();
      }
      const linked = await worker.api<{ email_verified: boolean; has_password: boolean }>('GET', `/users/${user.id}`);
      expect(linked).toMatchObject({ email_verified: true, has_password: false });
    }));
});

// The routes added today (account, sign-up, password reset, invitations, passkeys, second factor,
// federation, OIDC, the admin API's new endpoints) answer hostile input with a 4xx or a normal
// page, never a 500: garbage fields with a valid CSRF token, signed in and not, and garbage queries.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, Browser, call, createApp, createUser, hiddenFields, ORIGIN, PASSWORD } from '../helpers';

const FORM_POSTS = [
  '/login', '/login/mfa', '/login/mfa/passkey', '/login/passkey',
  '/account/totp', '/account/totp/remove', '/account/passkeys', '/account/passkeys/remove', '/account/recovery-codes',
  '/account/sessions/end', '/account/password', '/account/email', '/account/email/confirm',
  '/signup', '/signup/verify', '/password/forgot', '/password/reset', '/invite', '/invite/source',
  '/federation/nope/callback', '/federation/x%00y/callback',
  '/oauth2/authorize', '/oauth2/token', '/oauth2/userinfo', '/oauth2/revoke', '/oauth2/introspect', '/oauth2/logout',
];
const GETS = [
  '/login', '/login/mfa', '/login/passkey', '/account', '/account/email', '/account/email/confirm', '/my-apps',
  '/signup', '/signup/verify', '/password/forgot', '/password/reset', '/invite',
  '/federation/nope/start', '/federation/nope/callback', '/oauth2/authorize', '/oauth2/logout',
];
const FIELDS = ['token', 'password', 'current', 'new', 'email', 'name', 'code', 'flow', 'source', 'response', 'id', 'id_hash', 'credential', 'state', 'grant_type', 'client_id', 'redirect_uri', 'refresh_token', 'scope', 'response_type', 'id_token_hint'];

const hostile = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', '\u0000', '%00', '{"id":"x","response":{}}', '{"rawId":null}', '[]', 'null', '__proto__', 'ÿ'.repeat(300), '../../etc', '<script>', 'a@b', 'x'.repeat(3000)),
);
const formOf = fc.dictionary(fc.constantFrom(...FIELDS), hostile, { maxKeys: 6 });

async function signedInBrowser(): Promise<{ browser: Browser; csrf: string }> {
  const user = await createUser();
  const browser = new Browser();
  const page = await browser.fetch('/login');
  const res = await browser.submitLogin(await page.text(), user.email, PASSWORD);
  expect(res.status).toBe(303);
  const account = await browser.fetch('/account');
  return { browser, csrf: hiddenFields(await account.text()).csrf! };
}

async function anonymousBrowser(): Promise<{ browser: Browser; csrf: string }> {
  const browser = new Browser();
  return { browser, csrf: hiddenFields(await (await browser.fetch('/login')).text()).csrf! };
}

function post(browser: Browser, path: string, fields: Record<string, string>) {
  return browser.fetch(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }, body: new URLSearchParams(fields) });
}

describe('hostile input to the new routes', () => {
  for (const who of ['anonymous', 'signed in'] as const) {
    it(`form posts with garbage fields and a valid CSRF token (${who}) never answer 500`, async () => {
      const { browser, csrf } = who === 'anonymous' ? await anonymousBrowser() : await signedInBrowser();
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...FORM_POSTS), formOf, async (path, fields) => {
          const res = await post(browser, path, { ...fields, csrf });
          await res.arrayBuffer();
          expect(res.status, `${path} ${JSON.stringify(fields).slice(0, 200)}`).toBeLessThan(500);
        }),
        { numRuns: 120 },
      );
    });
  }

  it('garbage queries on the new pages never answer 500', async () => {
    const { browser } = await signedInBrowser();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...GETS), formOf, async (path, query) => {
        const res = await browser.fetch(`${path}?${new URLSearchParams(query)}`);
        await res.arrayBuffer();
        expect(res.status, `${path} ${JSON.stringify(query).slice(0, 200)}`).toBeLessThan(500);
      }),
      { numRuns: 120 },
    );
  });

  it("the admin API's new endpoints answer garbage JSON with a 4xx", async () => {
    const user = await createUser();
    const app = await createApp();
    const endpoints: [string, string][] = [
      ['PUT', '/settings/mfa'], ['DELETE', `/users/${user.id}/factors`], ['GET', '/users/nope/factors'],
      ['POST', '/users/invite'], ['PATCH', '/signup'], ['POST', '/signups/nope/approve'], ['POST', '/signups/nope/reject'],
      ['POST', '/identity-sources'], ['PATCH', '/identity-sources/nope'], ['POST', '/email/test'], ['PATCH', `/apps/${app.client_id}`],
    ];
    const json = fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v)), fc.string({ maxLength: 30 }), fc.constantFrom('{"__proto__":{"policy":"off"}}', '{"policy":null}', '{"email":["a@b.c"]}', '{"access":{"groups":"x"}}', '{"mfa":7}'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...endpoints), json, async ([method, path], body) => {
        const res = await call(`/api/admin${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: method === 'GET' ? undefined : body });
        await res.arrayBuffer();
        expect(res.status, `${method} ${path} ${body.slice(0, 200)}`).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
  });
});

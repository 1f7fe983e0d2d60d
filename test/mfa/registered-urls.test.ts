// The registered redirect and ACS URLs on the pages of a refused request are shown to an admin
// only when the console itself would let that session in (src/mfa/step-up.ts, isConsoleAdmin):
// with a second factor required for the console, a password-only admin session sees what anyone
// sees; after its second factor, the URLs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, createApp, createUser } from '../helpers';
import { authorizePath, oidcApp, REDIRECT } from '../oidc/support';
import { authnRequestXml, redirectPath, samlApp } from '../saml/support';
import { enrolTotp, signedIn, stepUpWithCode } from './support';

const setMfa = async (policy: 'off' | 'optional', requireForConsole: boolean) =>
  expect((await admin('PUT', '/settings/mfa', { policy, require_for_console: requireForConsole })).status).toBe(200);

beforeAll(() => setMfa('off', true));
afterAll(() => setMfa('optional', false));

/** The three pages of a refused request, each with the registered URL it may show. */
async function refusedPages(): Promise<{ name: string; path: string; registered: string }[]> {
  const jwt = await createApp({ redirect_urls: ['https://internal.example.com/staging-cb'] });
  const oidc = await oidcApp();
  const { entityId, acs } = await samlApp();
  return [
    { name: 'JWT SSO URL', path: `/sso/jwt/${jwt.client_id}?redirect_uri=${encodeURIComponent('https://evil.example.com/cb')}`, registered: 'https://internal.example.com/staging-cb' },
    { name: 'OIDC authorize', path: authorizePath(oidc, { redirect_uri: 'https://evil.example.com/callback' }), registered: REDIRECT },
    { name: 'SAML AuthnRequest', path: await redirectPath(authnRequestXml({ issuer: entityId, acs: 'https://evil.example.com/acs' })), registered: acs },
  ];
}

describe('registered URLs on a refused request, with a second factor required for the console', () => {
  it('a password-only admin session sees the message anyone sees; the same session after its second factor sees the URLs', async () => {
    const pages = await refusedPages();
    const user = await createUser({ roles: ['admin'] });
    const { secret } = await enrolTotp(await signedIn(user.email));
    // The global policy is off: the password alone signs in (amr [pwd]), which the console would step up.
    const browser = await signedIn(user.email);
    expect((await browser.fetch('/admin')).headers.get('location')).toMatch(/^\/login\/mfa\?flow=/);
    for (const page of pages) {
      const res = await browser.fetch(page.path);
      expect(res.status, page.name).toBe(400);
      const html = await res.text();
      expect(html, page.name).toContain('not registered');
      expect(html, page.name).not.toContain(page.registered);
    }

    await stepUpWithCode(browser, secret);
    expect((await browser.fetch('/admin')).status).toBe(200);
    for (const page of pages) {
      const html = await (await browser.fetch(page.path)).text();
      expect(html, page.name).toContain(`<li class="url">${page.registered}</li>`);
    }
  });

  it('an admin without a second factor (the console would have them enrol one) sees no URLs either', async () => {
    const pages = await refusedPages();
    const user = await createUser({ roles: ['admin'] });
    const browser = await signedIn(user.email);
    for (const page of pages) expect(await (await browser.fetch(page.path)).text(), page.name).not.toContain(page.registered);
  });
});

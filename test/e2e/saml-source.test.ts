// Interop: a real SAML identity provider as an identity source. pysaml2 (Debian python3-pysaml2
// with xmlsec1) runs as the IdP on http://127.0.0.1:<port> (test/e2e/saml/idp.py: a login form,
// a throw-away signing key); edge-sso runs in `wrangler dev` on http://localhost:<port>. Those are
// different sites for Chromium, so the IdP's HTTP-POST to the ACS is a cross-site POST: the
// browser-binding attempt cookie must survive it (a SameSite=Lax cookie would not be sent).
// The source is registered from the IdP's metadata URL through the admin API; an app whose
// primary source it is receives a token whose claims come from the SAML attributes. The IdP's
// metadata says WantAuthnRequestsSigned="true": pysaml2 verifies every AuthnRequest's signature
// (HTTP-Redirect: over the query string; HTTP-POST, for a second source: enveloped) with the
// certificate from edge-sso's SP metadata, and refuses unsigned or altered ones.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { jwtVerify } from 'jose';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPythonPeer, type PythonPeer } from './python-peer';
import { totp } from './totp';
import { arriveAt, describePage, launchChromium, newPage, PYTHON, startLocalWorker, startStubApp, stopAll, withDiagnostics, type LocalWorker, type StubApp } from './support';

const run = randomBytes(4).toString('hex');
const SLUG = 'pysaml';
/** A second source for the same IdP whose metadata offers only the HTTP-POST binding. */
const POST_SLUG = 'pysaml-post';
/** The IdP's accounts (pysaml2 local attribute names; it sends them under their urn:oid: names). */
const ACCOUNTS = {
  alice: { password: randomBytes(9).toString('base64url'), mail: `alice-${run}@example.org`, givenName: 'Alice', sn: 'Saml', displayName: 'Alice Saml', isMemberOf: ['Engineering', 'Staff'] },
  dave: { password: randomBytes(9).toString('base64url'), mail: `dave-${run}@example.org`, givenName: 'Dave', sn: 'Saml', displayName: 'Dave Saml', isMemberOf: [] },
  carol: { password: randomBytes(9).toString('base64url'), mail: `carol-${run}@example.org`, givenName: 'Carol', sn: 'Saml', displayName: 'Carol Saml', isMemberOf: ['Staff'] },
};
type Account = keyof typeof ACCOUNTS;

type Idp = PythonPeer;

function startIdp(spMetadataUrls: string[]): Promise<Idp> {
  const check = spawnSync(PYTHON, ['-c', 'import saml2, cryptography'], { encoding: 'utf8' });
  if (check.status !== 0 || spawnSync('xmlsec1', ['--version']).status !== 0) {
    throw new Error(`the SAML IdP needs: apt-get install -y python3-pysaml2 xmlsec1\n${check.stderr ?? ''}`);
  }
  return startPythonPeer({ script: 'test/e2e/saml/idp.py', label: 'pysaml2 IdP', host: '127.0.0.1', env: { SP_METADATA_URLS: spMetadataUrls.join(','), ACCOUNTS: JSON.stringify(ACCOUNTS), WANT_SIGNED: '1' } });
}

describe('pysaml2 as a SAML identity source, in Chromium', () => {
  let worker: LocalWorker;
  let idp: Idp;
  let stub: StubApp;
  let browser: Browser;
  let app: { client_id: string; client_secret: string };
  let strictApp: { client_id: string; client_secret: string };
  let redirectUrl: string;
  let setupError: unknown;

  beforeAll(async () => {
    try {
      worker = await startLocalWorker();
      [idp, stub, browser] = await Promise.all([startIdp([SLUG, POST_SLUG].map((slug) => `${worker.url}/federation/${slug}/saml/metadata`)), startStubApp(), launchChromium()]);
      redirectUrl = `${stub.url}/callback`;
    } catch (error) {
      setupError = error;
    }
  }, 300_000);

  afterAll(async () => {
    await stopAll();
  });

  const ssoUrl = (clientId: string) => `${worker.url}/sso/jwt/${clientId}?${new URLSearchParams({ redirect_uri: redirectUrl, state: 'e2e' })}`;
  const atIdp = (url: URL) => url.origin === idp.url;
  const atApp = (url: URL) => url.origin === stub.url;
  const isAcs = (r: Request) => r.method() === 'POST' && r.url() === `${worker.url}/federation/${SLUG}/saml/acs`;

  async function step(page: Page | undefined, fn: () => Promise<void>) {
    if (setupError) throw setupError;
    await withDiagnostics(fn, { sources: () => [worker, idp] }).catch(async (error: Error) => {
      if (page) error.message = `${error.message}\n--- browser page now ---\n${await describePage(page)}`;
      throw error;
    });
  }

  /** At the IdP's login form: sign in as `account` and wait until the browser is at `target`. */
  async function signInAtIdp(page: Page, account: Account, target: (url: URL) => boolean) {
    await page.getByLabel('Username').fill(account);
    await page.getByLabel('Password').fill(ACCOUNTS[account].password);
    await arriveAt(page, target, () => page.getByRole('button', { name: 'Sign in' }).click());
  }

  async function claimsAtApp(page: Page, client: { client_id: string; client_secret: string }) {
    const url = new URL(page.url());
    expect(url.searchParams.get('state')).toBe('e2e');
    const { payload } = await jwtVerify(url.searchParams.get('id_token')!, new TextEncoder().encode(client.client_secret), { issuer: worker.url, audience: client.client_id });
    return payload as Record<string, unknown>;
  }

  /** The reasons of the login failures this source caused, newest first. */
  async function failureReasons(): Promise<string[]> {
    const failures = await worker.api('GET', '/audit?type=login.failure&limit=100');
    return failures.events.filter((e: { detail: { source?: string } }) => e.detail.source === SLUG).map((e: { detail: { reason: string; upstream?: string } }) => `${e.detail.reason}: ${e.detail.upstream ?? ''}`);
  }

  it('an admin registers the IdP from its metadata URL; the answer names the SP metadata pysaml2 reads', async () => {
    await step(undefined, async () => {
      const source = await worker.api('POST', '/identity-sources', {
        type: 'saml',
        slug: SLUG,
        name: 'pysaml2 IdP',
        metadata_url: `${idp.url}/metadata`,
        group_map: { claim: 'urn:oid:1.3.6.1.4.1.5923.1.5.1.1', prefix: 'idp:' },
      });
      expect(source).toMatchObject({
        sp_entity_id: `${worker.url}/federation/${SLUG}/saml/metadata`,
        acs_url: `${worker.url}/federation/${SLUG}/saml/acs`,
        sp_metadata_url: `${worker.url}/federation/${SLUG}/saml/metadata`,
      });
      app = await worker.api('POST', '/apps', { name: `SAML-federated app ${run}`, redirect_urls: [redirectUrl], identity_source: SLUG });
      strictApp = await worker.api('POST', '/apps', { name: `SAML-federated MFA app ${run}`, redirect_urls: [redirectUrl], identity_source: SLUG, mfa: 'required' });
    });
  });

  it('the app’s SSO URL leads to pysaml2; after sign-in there, the cross-site POST to the ACS ends at the app with the SAML attributes as claims', async () => {
    const { page, close } = await newPage(browser);
    const acsPosts: Request[] = [];
    page.on('request', (r) => isAcs(r) && acsPosts.push(r));
    await step(page, async () => {
      await arriveAt(page, atIdp, () => page.goto(ssoUrl(app.client_id)));
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Sign in to the pysaml2 IdP');
      await signInAtIdp(page, 'alice', atApp);
      const claims = await claimsAtApp(page, app);
      expect(claims).toMatchObject({ email: ACCOUNTS.alice.mail, name: 'Alice Saml', given_name: 'Alice', family_name: 'Saml', idp: SLUG, amr: ['fed'] });
      expect(claims.groups).toEqual(['idp:Engineering', 'idp:Staff']);

      // The POST really was cross-site for Chromium, and carried the SameSite=None attempt cookie.
      expect(acsPosts).toHaveLength(1);
      const headers = await acsPosts[0]!.allHeaders();
      expect(headers['sec-fetch-site']).toBe('cross-site');
      expect(headers.origin).toBe(idp.url);
      expect(headers.cookie ?? '').toContain('__Host-edge-sso-fed=');

      // The session is edge-sso's now: the app again, straight back without the IdP.
      const before = acsPosts.length;
      await arriveAt(page, atApp, () => page.goto(ssoUrl(app.client_id)));
      expect((await claimsAtApp(page, app)).sub).toBe(claims.sub);
      expect(acsPosts).toHaveLength(before);
    });
    await close();
  });

  it('pysaml2 verified the signature of each AuthnRequest with the SP metadata’s certificate; it refuses one whose RelayState was changed', async () => {
    await step(undefined, async () => {
      const seen = (await (await fetch(`${idp.url}/requests`)).json()) as { verdict: string; signed?: string; sig_alg?: string }[];
      expect(seen.length).toBeGreaterThan(0);
      for (const request of seen) expect(request).toMatchObject({ verdict: 'valid', signed: 'redirect', sig_alg: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256' });
      const metadata = await (await fetch(`${worker.url}/federation/${SLUG}/saml/metadata`)).text();
      expect(metadata).toContain('AuthnRequestsSigned="true"');
      expect(metadata).toContain('<md:KeyDescriptor use="signing">');

      const start = await fetch(`${worker.url}/federation/${SLUG}/start`, { redirect: 'manual' });
      const location = start.headers.get('location')!;
      expect(location.startsWith(`${idp.url}/sso/redirect?SAMLRequest=`)).toBe(true);
      expect((await fetch(location)).status).toBe(200);
      const altered = await fetch(location.replace(/RelayState=[^&]/, 'RelayState=x'));
      expect(altered.status).toBe(400);
      expect(await altered.text()).toContain('does not verify');
      const unsigned = await fetch(location.replace(/&SigAlg=[^&]+&Signature=[^&]+/, ''));
      expect(unsigned.status).toBe(400);
    });
  });

  it('the same response posted again (replayed from the IdP’s page) is refused with a clear page and no session', async () => {
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      // Replayed into a browser with no sign-in under way: nothing ties it to this browser.
      const [refused] = await Promise.all([page.waitForResponse((r) => isAcs(r.request())), page.goto(`${idp.url}/replay`)]);
      expect(refused.status()).toBe(400);
      expect(await page.locator('body').innerText()).toContain('Start the sign-in again');

      // Replayed while a sign-in is under way here: it answers another request (RelayState, InResponseTo).
      await arriveAt(page, atIdp, () => page.goto(ssoUrl(app.client_id)));
      const [again] = await Promise.all([page.waitForResponse((r) => isAcs(r.request())), page.goto(`${idp.url}/replay`)]);
      expect(again.status()).toBe(400);
      expect(await page.locator('body').innerText()).toContain('Start the sign-in again');
      // No session was made: the app's SSO URL still goes to the IdP.
      await arriveAt(page, atIdp, () => page.goto(ssoUrl(app.client_id)));
    });
    await close();
    // Both refusals are anonymous failures from this address: the first is written, the second only
    // counted (src/login/anonymous.ts), so an anonymous client cannot grow the audit trail.
    const reasons = await failureReasons();
    expect(reasons).toContain('unsolicited: ');
    expect(reasons).not.toContain('state_mismatch: ');
  });

  it('an IdP-initiated response (allowed on the source) signs in once; the same assertion posted again hits the replay cache', async () => {
    await worker.api('PATCH', `/identity-sources/${SLUG}`, { allow_idp_initiated: true });
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      await arriveAt(page, atIdp, () => page.goto(`${idp.url}/unsolicited`));
      await signInAtIdp(page, 'alice', (url) => url.origin === worker.url && !url.pathname.startsWith('/federation/'));
      const [replayed] = await Promise.all([page.waitForResponse((r) => isAcs(r.request())), page.goto(`${idp.url}/replay`)]);
      expect(replayed.status()).toBe(400);
      expect(await page.locator('body').innerText()).toContain('could not be accepted');
    });
    await close();
    await worker.api('PATCH', `/identity-sources/${SLUG}`, { allow_idp_initiated: false });
    // The replay is another anonymous failure from this address: counted, not written (the first, above, was).
    expect(await failureReasons()).not.toContain('invalid_response: assertion already used (replay)');
  });

  it('an app that requires MFA makes the SAML-signed-in user enrol a second factor before it gets a token', async () => {
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      const before = stub.requests.length;
      await arriveAt(page, atIdp, () => page.goto(ssoUrl(strictApp.client_id)));
      await signInAtIdp(page, 'carol', (url) => url.origin === worker.url && url.pathname === '/account');
      expect(await page.getByRole('alert').first().innerText()).toContain('Your administrator requires a second factor');
      expect(stub.requests.length, 'the app received nothing before enrolment').toBe(before);
      const secret = (await page.locator('#totp-secret').innerText()).trim();
      await page.getByLabel('Code from the app').fill(totp(secret));
      // A first factor shows the recovery codes once; the app gets nothing until the person goes on.
      await arriveAt(page, (url) => url.origin === worker.url && url.pathname === '/account/recovery-codes', () => page.getByRole('button', { name: 'Turn on' }).click());
      expect(stub.requests.length, 'the app received nothing while the codes are shown').toBe(before);
      await arriveAt(page, atApp, () => page.getByRole('link', { name: 'I have saved them' }).click());
      const claims = await claimsAtApp(page, strictApp);
      expect(claims).toMatchObject({ email: ACCOUNTS.carol.mail, idp: SLUG });
      expect(claims.amr).toEqual(expect.arrayContaining(['fed', 'otp', 'mfa']));
    });
    await close();
  });

  it('through an IdP that offers only HTTP-POST, the AuthnRequest goes as an auto-submitted form with an enveloped signature pysaml2 accepts', async () => {
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      const idpMetadata = await (await fetch(`${idp.url}/metadata`)).text();
      const postOnly = idpMetadata.replace(/<ns0:SingleSignOnService [^>]*HTTP-Redirect[^>]*\/>/, '');
      expect(postOnly).not.toContain('HTTP-Redirect');
      await worker.api('POST', '/identity-sources', { type: 'saml', slug: POST_SLUG, name: 'pysaml2 IdP (POST)', metadata_xml: postOnly });
      const before = ((await (await fetch(`${idp.url}/requests`)).json()) as unknown[]).length;
      await arriveAt(page, (url) => atIdp(url) && url.pathname === '/sso/post', () => page.goto(`${worker.url}/federation/${POST_SLUG}/start`));
      const seen = (await (await fetch(`${idp.url}/requests`)).json()) as { verdict: string; signed?: string; binding?: string }[];
      expect(seen.slice(before)).toEqual([expect.objectContaining({ verdict: 'valid', signed: 'post', binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST' })]);
      await signInAtIdp(page, 'dave', (url) => url.origin === worker.url && !url.pathname.startsWith('/federation/'));
    });
    await close();
  });
});

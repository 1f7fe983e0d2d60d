// Interop: edge-sso as a SAML identity provider for real service providers. pysaml2 (Debian
// python3-pysaml2 with xmlsec1) registers by its own metadata, signs its AuthnRequests (HTTP-
// Redirect, RSA-SHA256) and verifies edge-sso's Response; python3-onelogin-saml2 verifies the
// same Response independently. SP-initiated and IdP-initiated (My apps), in headless Chromium
// against one `wrangler dev`.
import { spawnSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAtLoginPage, testUser } from './oidc-support';
import { startPythonPeer, type PythonPeer } from './python-peer';
import { arriveAt, launchChromium, newPage, PYTHON, startLocalWorker, stopAll, withDiagnostics, type LocalWorker } from './support';

const USER = testUser();
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const PERSISTENT_FORMAT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

function requireSamlPeers(): void {
  const check = spawnSync(PYTHON, ['-c', 'import saml2, onelogin.saml2, cryptography'], { encoding: 'utf8' });
  const xmlsec = spawnSync('xmlsec1', ['--version'], { encoding: 'utf8' });
  if (check.status !== 0 || xmlsec.status !== 0) {
    throw new Error(`the SAML peers are missing: apt-get install -y python3-pysaml2 xmlsec1 python3-onelogin-saml2\n${check.stderr ?? ''}`);
  }
}

type Sp = PythonPeer;

function startSp(idpMetadataUrl: string, nameIdFormat?: string): Promise<Sp> {
  requireSamlPeers();
  return startPythonPeer({ script: 'test/e2e/saml/sp.py', label: 'pysaml2 SP', env: { IDP_METADATA_URL: idpMetadataUrl, NAMEID_FORMAT: nameIdFormat ?? '' } });
}

/** What the SP's /acs page says each library concluded. */
async function spVerdict(page: Page): Promise<Record<string, string>> {
  const ids = await page.locator('dd').evaluateAll((els) => els.map((el) => [el.id, el.textContent ?? '']));
  return Object.fromEntries(ids);
}

describe('pysaml2 and python3-saml sign in through edge-sso as a SAML IdP', () => {
  let worker: LocalWorker;
  let browser: Browser;
  let sp: Sp;
  let sp2: Sp;
  let clientId: string;
  let setupError: unknown;

  beforeAll(async () => {
    try {
      browser = await launchChromium();
      worker = await startLocalWorker();
      await worker.api('POST', '/users', USER);
      [sp, sp2] = await Promise.all([startSp(`${worker.url}/saml/metadata`), startSp(`${worker.url}/saml/metadata`, PERSISTENT_FORMAT)]);
      for (const [which, name] of [
        [sp, 'pysaml2 SP'],
        [sp2, 'pysaml2 SP (persistent)'],
      ] as const) {
        const metadata = await (await fetch(`${which.url.replace('localhost', '127.0.0.1')}/metadata`)).text();
        const app = await worker.api<{ client_id: string; saml: { requests_signed: boolean } }>('POST', '/apps', { name, type: 'saml', saml: { metadata_xml: metadata } });
        expect(app.saml.requests_signed).toBe(true);
        if (which === sp) clientId = app.client_id;
      }
    } catch (error) {
      setupError = error;
    }
    // wrangler dev and two Python SPs: on a busy 2-core machine this can outlast the default hook timeout.
  }, 300_000);

  afterAll(async () => {
    await stopAll();
  });

  it('SP-initiated: a signed AuthnRequest, the login page, and a Response both libraries accept; then IdP-initiated from My apps', async () => {
    if (setupError) throw setupError;
    const { page, close } = await newPage(browser);
    try {
      await withDiagnostics(
        async () => {
          const acs = (url: URL) => url.origin === sp.url && url.pathname === '/acs';
          await arriveAt(page, (url) => url.origin === worker.url && url.pathname === '/login', () => page.goto(`${sp.url}/login?relay=%2Finbox`));
          await signInAtLoginPage(page, worker.url, USER, acs);
          const verdict = await spVerdict(page);
          expect(verdict.pysaml2).toBe('valid');
          expect(verdict.onelogin).toBe('valid');
          expect(verdict.nameid).toBe(USER.email);
          expect(verdict['nameid-format']).toBe(EMAIL_FORMAT);
          expect(verdict['onelogin-nameid']).toBe(USER.email);
          expect(verdict['in-response-to']).toMatch(/^id-/);
          expect(verdict.relay).toBe('/inbox');
          expect(verdict['authn-context']).toBe('urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport');
          expect(verdict['attr-email']).toBe(USER.email);
          expect(verdict['attr-groups']).toBe(USER.groups.join(','));
          expect(verdict['attr-given_name']).toBe(USER.given_name);

          // IdP-initiated: My apps links to the app; the unsolicited Response is accepted too.
          await page.goto(`${worker.url}/my-apps`);
          await arriveAt(page, acs, () => page.getByRole('link', { name: 'pysaml2 SP', exact: true }).click());
          const unsolicited = await spVerdict(page);
          expect(unsolicited.pysaml2).toBe('valid');
          expect(unsolicited.onelogin).toBe('valid');
          expect(unsolicited['in-response-to']).toBe('');
          expect(clientId).toBeTruthy();
        },
        { sources: () => [worker, sp] },
      );
    } finally {
      await close();
    }
  });

  it('a second SP asking for persistent NameIDs gets a pseudonym, the same at every sign-in', async () => {
    if (setupError) throw setupError;
    const { page, close } = await newPage(browser);
    try {
      await withDiagnostics(
        async () => {
          const acs = (url: URL) => url.origin === sp2.url && url.pathname === '/acs';
          await arriveAt(page, (url) => url.origin === worker.url && url.pathname === '/login', () => page.goto(`${sp2.url}/login`));
          await signInAtLoginPage(page, worker.url, USER, acs);
          const first = await spVerdict(page);
          expect(first.pysaml2).toBe('valid');
          expect(first.onelogin).toBe('valid');
          expect(first['nameid-format']).toBe(PERSISTENT_FORMAT);
          expect(first.nameid).not.toContain('@');
          // Signed in already: straight back with the same pseudonym.
          await arriveAt(page, acs, () => page.goto(`${sp2.url}/login`));
          expect((await spVerdict(page)).nameid).toBe(first.nameid);
        },
        { sources: () => [worker, sp2] },
      );
    } finally {
      await close();
    }
  });
});

// The whole GitHub sign-in in a real browser: an app whose primary identity source is GitHub
// (Enterprise Server URL form, served by the local GitHub stand-in of
// ./federation-oauth2-providers.ts), a real `wrangler dev` worker, and headless Chromium. The
// person opens the app's SSO URL, lands on GitHub's consent page, clicks Authorize, and the app
// receives an edge-sso id_token whose `idp` names the source. A second sign-in maps to the same
// edge-sso user, and a cancelled one shows a clear page instead of a token.
//
// GitHub documentation the stand-in follows:
// - https://docs.github.com/en/enterprise-server@latest/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
// - https://docs.github.com/en/enterprise-server@latest/rest/users/users#get-the-authenticated-user
// - https://docs.github.com/en/enterprise-server@latest/rest/users/emails#list-email-addresses-for-the-authenticated-user
import { createHash, randomBytes } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalProviders, type LocalProviders, type ProviderUser } from './federation-oauth2-providers';
import { arriveAt, describePage, launchChromium, newPage, startLocalWorker, startStubApp, stopAll, withDiagnostics, type LocalWorker, type StubApp } from './support';

const run = randomBytes(4).toString('hex');
const SLUG = `gh-${run}`;
const OCTOCAT: ProviderUser = {
  id: 583231,
  login: `octocat-${run}`,
  name: 'The Octocat',
  emails: [
    { email: `octocat-${run}@example.com`, primary: true, verified: true, visibility: 'public' },
    { email: `octo-secondary-${run}@example.com`, primary: false, verified: true, visibility: null },
  ],
};

let worker: LocalWorker;
let stub: StubApp;
let providers: LocalProviders;
let browser: Browser;
let clientId: string;
let redirectUri: string;

beforeAll(async () => {
  worker = await startLocalWorker();
  stub = await startStubApp({ body: 'app' });
  redirectUri = `${stub.url}/cb`;
  providers = await startLocalProviders({
    apps: {
      github: { client_id: `Iv1.${run}`, client_secret: randomBytes(20).toString('hex'), redirect_uri: `${worker.url}/federation/${SLUG}/callback` },
      facebook: { client_id: 'unused', client_secret: 'unused', redirect_uri: 'https://unused.example/cb' },
      x: { client_id: 'unused', client_secret: 'unused', redirect_uri: 'https://unused.example/cb' },
    },
    users: { github: OCTOCAT, facebook: OCTOCAT, x: OCTOCAT },
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await providers?.close();
  await stopAll();
});

const ssoUrl = (state: string) => `${worker.url}/sso/jwt/${encodeURIComponent(clientId)}?${new URLSearchParams({ redirect_uri: redirectUri, state })}`;

/**
 * Opens the SSO URL in a fresh browser context, clicks `button` on GitHub's consent page, and
 * returns edge-sso's callback answer and the page the browser ends on.
 */
async function signInThroughGithub(state: string, button: 'Authorize' | 'Cancel') {
  const { page, recorder, close } = await newPage(browser);
  try {
    return await withDiagnostics(
      async () => {
        await arriveAt(page, (u) => u.href.startsWith(`${providers.ghesUrl}/login/oauth/authorize`), () => page.goto(ssoUrl(state)));
        const callbackPath = `/federation/${SLUG}/callback`;
        const [callback] = await Promise.all([
          page.waitForResponse((r) => r.url().startsWith(`${worker.url}${callbackPath}`)),
          page.getByRole('button', { name: button }).click(),
        ]);
        if (callback.status() === 303) await page.waitForURL((u) => u.origin === stub.url && u.pathname === '/cb');
        else await page.waitForLoadState('domcontentloaded');
        return { callbackStatus: callback.status(), url: new URL(page.url()), text: await page.locator('body').innerText() };
      },
      { extra: () => ({ browser: recorder.text() }) },
    );
  } catch (error) {
    (error as Error).message += `\n${await describePage(page)}`;
    throw error;
  } finally {
    await close();
  }
}

describe('GitHub as an app’s primary identity source, in Chromium', () => {
  it('an admin adds the GitHub Enterprise source and an app that uses it', async () => {
    const source = await worker.api<{ slug: string; redirect_uri: string; type: string; scopes: string[] }>('POST', '/identity-sources', {
      type: 'github',
      slug: SLUG,
      name: 'GitHub',
      client_id: providers.apps.github.client_id,
      client_secret: providers.apps.github.client_secret,
      enterprise_url: providers.ghesUrl,
    });
    expect(source).toMatchObject({ slug: SLUG, type: 'github', scopes: ['read:user', 'user:email'], redirect_uri: `${worker.url}/federation/${SLUG}/callback` });
    const app = await worker.api<{ client_id: string }>('POST', '/apps', { name: `GitHub app ${run}`, redirect_urls: [redirectUri], identity_source: SLUG, signing_alg: 'ES256' });
    clientId = app.client_id;
  });

  it('signs in with GitHub: SSO URL → GitHub consent → Authorize → the app gets a token naming the source', async () => {
    expect(clientId, 'the previous step created the app').toBeTruthy();
    providers.requests.length = 0;
    const landed = await signInThroughGithub('first', 'Authorize');
    expect(landed.callbackStatus).toBe(303);
    expect(landed.url.origin + landed.url.pathname).toBe(redirectUri);
    expect(landed.url.searchParams.get('state')).toBe('first');
    const token = landed.url.searchParams.get('id_token');
    expect(token).toBeTruthy();

    const jwks = (await (await fetch(`${worker.url}/.well-known/jwks.json`)).json()) as never;
    const { payload } = await jwtVerify(token!, createLocalJWKSet(jwks), { issuer: worker.url, audience: clientId, algorithms: ['ES256'] });
    expect(payload).toMatchObject({ email: OCTOCAT.emails[0]!.email, name: 'The Octocat', idp: SLUG });

    // What edge-sso sent to GitHub: the authorize request with state and PKCE, the code exchange
    // with the client secret in the body and the verifier, then the two API reads with a User-Agent.
    const seen = providers.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`);
    expect(seen).toEqual([
      'GET /ghes/login/oauth/authorize',
      'POST /ghes/login/oauth/authorize',
      'POST /ghes/login/oauth/access_token',
      expect.stringMatching(/^GET \/ghes\/api\/v3\/user(\/emails)?$/),
      expect.stringMatching(/^GET \/ghes\/api\/v3\/user(\/emails)?$/),
    ]);
    const authorize = new URL(providers.requests[0]!.url).searchParams;
    expect(authorize.get('client_id')).toBe(providers.apps.github.client_id);
    expect(authorize.get('redirect_uri')).toBe(`${worker.url}/federation/${SLUG}/callback`);
    expect(authorize.get('scope')).toBe('read:user user:email');
    expect(authorize.get('code_challenge_method')).toBe('S256');
    const exchange = providers.requests[2]!.form!;
    expect(exchange.client_secret).toBe(providers.apps.github.client_secret);
    expect(createHash('sha256').update(exchange.code_verifier!).digest('base64url')).toBe(authorize.get('code_challenge'));
    for (const api of providers.requests.slice(3)) expect(api.headers['user-agent']).toBe('edge-sso');
  });

  it('a second sign-in with the same GitHub account maps to the same edge-sso user, even after an email change at GitHub', async () => {
    const first = await signInThroughGithub('again-1', 'Authorize');
    providers.users.github = { ...OCTOCAT, emails: [{ email: `renamed-${run}@example.com`, primary: true, verified: true, visibility: null }] };
    const second = await signInThroughGithub('again-2', 'Authorize');
    providers.users.github = OCTOCAT;
    const sub = (landed: { url: URL }) => JSON.parse(Buffer.from(landed.url.searchParams.get('id_token')!.split('.')[1]!, 'base64url').toString()).sub;
    expect(sub(second)).toBe(sub(first));
  });

  it('cancelling at GitHub shows a clear page and gives the app no token', async () => {
    const before = stub.requests.length;
    const landed = await signInThroughGithub('cancel', 'Cancel');
    expect(landed.callbackStatus).toBe(400);
    expect(landed.url.origin).toBe(worker.url);
    expect(landed.text).toMatch(/cancel/i);
    expect(stub.requests.length).toBe(before);
  });
});

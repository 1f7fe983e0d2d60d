// End to end: identity sources against a real OpenID Provider. panva's node-oidc-provider runs
// here on a free loopback port as the upstream (its development interactions give the login and
// consent pages, with a Cancel link); edge-sso runs in `wrangler dev`; a person's browser is
// headless Chromium. An app whose primary source is that provider gets its usual token.
//
// The upstream is configured like a real one: claims by scope, and (oidc-provider's default,
// conformIdTokenClaims) the ID token of a code flow carries none of them, so email, name and
// groups reach edge-sso only through the userinfo endpoint. A middleware records every ID token
// the provider issues to prove it.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { jwtVerify } from 'jose';
// @ts-ignore -- oidc-provider ships no type declarations
import Provider from 'oidc-provider';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arriveAt, describePage, freePort, launchChromium, newPage, startLocalWorker, startStubApp, stopAll, withDiagnostics, type LocalWorker, type StubApp } from './support';

const run = randomBytes(4).toString('hex');
const SLUG = 'acme';
const UPSTREAM_SECRET = randomBytes(24).toString('base64url');
/** A second client at the same upstream, configured in edge-sso with a wrong secret (Test connection's "refused the client"). */
const REFUSED_SLUG = 'acme-refused';
const COLLIDING_EMAIL = `bob-${run}@example.com`;
/** The upstream's accounts: ids are what one types into its login form. */
const ACCOUNTS: Record<string, Record<string, unknown>> = {
  alice: { email: `alice-${run}@example.com`, email_verified: true, name: 'Alice Upstream', given_name: 'Alice', family_name: 'Upstream', groups: ['Engineering', 'Staff'] },
  bob: { email: COLLIDING_EMAIL, email_verified: true, name: 'Bob Upstream', groups: [] },
  mallory: { email: COLLIDING_EMAIL, email_verified: false, name: 'Mallory', groups: [] },
};

interface Upstream {
  issuer: string;
  /** Every ID token the provider issued, decoded (payload only). */
  idTokens: Record<string, unknown>[];
  server: Server;
}

async function startUpstream(redirectUri: string, refusedRedirectUri: string): Promise<Upstream> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const idTokens: Record<string, unknown>[] = [];
  const provider = new Provider(issuer, {
    clients: [
      { client_id: 'edge-sso', client_secret: UPSTREAM_SECRET, redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'] },
      { client_id: 'edge-sso-refused', client_secret: 'the-real-secret', redirect_uris: [refusedRedirectUri], grant_types: ['authorization_code'], response_types: ['code'] },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'given_name', 'family_name', 'groups'] },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    async findAccount(_ctx: unknown, id: string) {
      const account = ACCOUNTS[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...account }) };
    },
  });
  provider.use(async (ctx: { path: string; body: unknown }, next: () => Promise<void>) => {
    await next();
    const body = ctx.body as { id_token?: string } | undefined;
    if (ctx.path === '/token' && body?.id_token) idTokens.push(JSON.parse(Buffer.from(body.id_token.split('.')[1]!, 'base64url').toString('utf8')));
  });
  const server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { issuer, idTokens, server };
}

describe('identity sources against node-oidc-provider', () => {
  let worker: LocalWorker;
  let upstream: Upstream;
  let stub: StubApp;
  let browser: Browser;
  let app: { client_id: string; client_secret: string };
  let redirectUrl: string;
  let firstSub: string | undefined;

  beforeAll(async () => {
    worker = await startLocalWorker();
    upstream = await startUpstream(`${worker.url}/federation/${SLUG}/callback`, `${worker.url}/federation/${REFUSED_SLUG}/callback`);
    stub = await startStubApp();
    browser = await launchChromium();
    redirectUrl = `${stub.url}/callback`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      upstream?.server.closeAllConnections();
      upstream?.server.close(() => resolve());
    });
    await stopAll();
  });

  const ssoUrl = (extra: Record<string, string> = {}) => `${worker.url}/sso/jwt/${app.client_id}?${new URLSearchParams({ redirect_uri: redirectUrl, state: 'e2e', ...extra })}`;
  const atUpstream = (url: URL) => url.origin === upstream.issuer;
  const atApp = (url: URL) => url.origin === stub.url;

  async function step(page: Page | undefined, fn: () => Promise<void>) {
    await withDiagnostics(fn).catch(async (error: Error) => {
      if (page) error.message = `${error.message}\n--- browser page now ---\n${await describePage(page)}`;
      throw error;
    });
  }

  /** Types the account into the provider's login form, and confirms consent when it asks. */
  async function signInUpstream(page: Page, account: string, target: (url: URL) => boolean) {
    await page.locator('input[name="login"]').fill(account);
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((url) => !url.pathname.includes('/login') || !atUpstream(url));
    await page.waitForLoadState('domcontentloaded');
    if (atUpstream(new URL(page.url()))) {
      await arriveAt(page, target, () => page.getByRole('button', { name: 'Continue' }).click());
    } else {
      await page.waitForURL(target);
    }
  }

  async function appToken(page: Page): Promise<Record<string, unknown>> {
    const url = new URL(page.url());
    expect(url.searchParams.get('state')).toBe('e2e');
    const token = url.searchParams.get('id_token');
    expect(token).toBeTruthy();
    const { payload } = await jwtVerify(token!, new TextEncoder().encode(app.client_secret), { issuer: worker.url, audience: app.client_id });
    return payload as Record<string, unknown>;
  }

  it('an admin adds the provider as an identity source; edge-sso reads its discovery', async () => {
    await step(undefined, async () => {
      const source = await worker.api('POST', '/identity-sources', {
        type: 'oidc',
        slug: SLUG,
        name: 'Acme ID',
        issuer: upstream.issuer,
        client_id: 'edge-sso',
        client_secret: UPSTREAM_SECRET,
        group_map: { claim: 'groups', prefix: 'acme:', rename: { Engineering: 'eng' } },
      });
      expect(source.redirect_uri).toBe(`${worker.url}/federation/${SLUG}/callback`);
      expect(JSON.stringify(source)).not.toContain(UPSTREAM_SECRET);
      const mismatch = await worker.api('POST', '/identity-sources', { type: 'oidc', issuer: `${upstream.issuer}/other`, client_id: 'x', client_secret: 'y' }).catch((e) => e);
      expect(mismatch.status).toBe(400);
      expect(mismatch.body.fields.issuer).toMatch(/discovery/);
      app = await worker.api('POST', '/apps', { name: `Federated app ${run}`, redirect_urls: [redirectUrl], identity_source: SLUG });
    });
  });

  it('the app’s SSO URL goes straight to the provider; after sign-in the app receives its token with mapped groups, amr and idp', async () => {
    const { page, close } = await newPage(browser);
    const callbacks: string[] = [];
    page.on('request', (r) => r.url().startsWith(`${worker.url}/federation/${SLUG}/callback`) && callbacks.push(r.url()));
    await step(page, async () => {
      await arriveAt(page, atUpstream, () => page.goto(ssoUrl()));
      await signInUpstream(page, 'alice', atApp);
      const claims = await appToken(page);
      expect(claims).toMatchObject({ email: ACCOUNTS.alice!.email, email_verified: true, name: 'Alice Upstream', given_name: 'Alice', idp: SLUG, amr: ['fed'] });
      expect(claims.groups).toEqual(['acme:eng', 'acme:Staff']);
      firstSub = claims.sub as string;
      // The session came from the app's primary source: the next visit reuses it without the provider.
      const before = upstream.idTokens.length;
      await arriveAt(page, atApp, () => page.goto(ssoUrl()));
      expect((await appToken(page)).sub).toBe(firstSub);
      expect(upstream.idTokens.length).toBe(before);
      // Replaying the callback that just worked: its attempt is gone, so it is refused.
      expect(callbacks).toHaveLength(1);
      const replay = await page.goto(callbacks[0]!);
      expect(replay!.status()).toBe(400);
      expect(await page.locator('body').innerText()).toContain('already used');
    });
    await close();
  });

  it('the ID token carried none of the profile claims: they came from userinfo', () => {
    expect(upstream.idTokens.length).toBeGreaterThan(0);
    for (const token of upstream.idTokens) {
      expect(token).toHaveProperty('sub');
      expect(token).not.toHaveProperty('email');
      expect(token).not.toHaveProperty('groups');
      expect(token).not.toHaveProperty('name');
    }
  });

  it('a second sign-in (another browser) maps to the same user; prompt=login goes upstream again', async () => {
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      await arriveAt(page, atUpstream, () => page.goto(ssoUrl()));
      await signInUpstream(page, 'alice', atApp);
      expect((await appToken(page)).sub).toBe(firstSub);
      const before = upstream.idTokens.length;
      await arriveAt(page, atUpstream, () => page.goto(ssoUrl({ prompt: 'login' })));
      await signInUpstream(page, 'alice', atApp);
      expect((await appToken(page)).sub).toBe(firstSub);
      expect(upstream.idTokens.length).toBe(before + 1);
      const users = await worker.api('GET', `/users?q=${encodeURIComponent(ACCOUNTS.alice!.email as string)}`);
      expect(users.total).toBe(1);
    });
    await close();
  });

  it('a forged callback (no sign-in started, or another state) gets a clear 400 page', async () => {
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      const forged = await page.goto(`${worker.url}/federation/${SLUG}/callback?code=forged&state=forged`);
      expect(forged!.status()).toBe(400);
      expect(await page.locator('body').innerText()).toContain('does not belong to a sign-in started in this browser');
      // A real attempt is under way in this browser, but the callback carries another state.
      await arriveAt(page, atUpstream, () => page.goto(ssoUrl()));
      const replay = await page.goto(`${worker.url}/federation/${SLUG}/callback?code=forged&state=not-the-state`);
      expect(replay!.status()).toBe(400);
      expect(await page.locator('body').innerText()).toContain('Start the sign-in again');
    });
    await close();
  });

  it('cancelling at the provider (access_denied) shows a clear page, not an error', async () => {
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      await arriveAt(page, atUpstream, () => page.goto(ssoUrl()));
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().startsWith(`${worker.url}/federation/${SLUG}/callback`)),
        page.getByRole('link', { name: '[ Cancel ]' }).click(),
      ]);
      expect(response.status()).toBe(400);
      expect(response.url()).toContain('error=access_denied');
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Sign-in cancelled');
      expect(await page.getByRole('link', { name: 'Try again' }).isVisible()).toBe(true);
    });
    await close();
  });

  it('a first sign-in whose email belongs to a local account is refused, unless the source is trusted AND the email verified', async () => {
    const local = await worker.api('POST', '/users', { email: COLLIDING_EMAIL, password: randomBytes(12).toString('base64url'), name: 'Bob Local' });
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      await arriveAt(page, atUpstream, () => page.goto(ssoUrl()));
      await page.locator('input[name="login"]').fill('bob');
      await page.locator('input[name="password"]').fill('x');
      const [refused] = await Promise.all([
        page.waitForResponse((r) => r.url().startsWith(`${worker.url}/federation/${SLUG}/callback`)),
        (async () => {
          await page.locator('button[type="submit"]').click();
          await page.getByRole('button', { name: 'Continue' }).click();
        })(),
      ]);
      expect(refused.status()).toBe(403);
      expect(await page.locator('body').innerText()).toContain('already exists here, and it is not connected to Acme ID');

      await worker.api('PATCH', `/identity-sources/${SLUG}`, { trust_email_for_linking: true });
      // An unverified upstream email still never links.
      await arriveAt(page, atUpstream, () => page.goto(ssoUrl({ prompt: 'login' })));
      await page.locator('input[name="login"]').fill('mallory');
      await page.locator('input[name="password"]').fill('x');
      const [stillRefused] = await Promise.all([
        page.waitForResponse((r) => r.url().startsWith(`${worker.url}/federation/${SLUG}/callback`)),
        (async () => {
          await page.locator('button[type="submit"]').click();
          await page.getByRole('button', { name: 'Continue' }).click();
        })(),
      ]);
      expect(stillRefused.status()).toBe(403);

      // Trusted and verified: bob's upstream account links to the local account.
      await arriveAt(page, atUpstream, () => page.goto(ssoUrl({ prompt: 'login' })));
      await signInUpstream(page, 'bob', atApp);
      expect((await appToken(page)).sub).toBe(local.id);
    });
    await close();
    const failures = await worker.api('GET', '/audit?type=login.failure&limit=100');
    const reasons = failures.events.filter((e: { detail: { source?: string } }) => e.detail.source === SLUG).map((e: { detail: { reason: string } }) => e.detail.reason);
    // Callbacks no sign-in here started (the replayed one, the forged ones) count per address under
    // `stray:`: the first is written, the forged state after it only counted, not a row each.
    expect(reasons).toEqual(expect.arrayContaining(['email_in_use', 'no_attempt']));
    expect(reasons).not.toContain('state_mismatch');
  });
  it('the login page offers "Continue with Acme ID" for an app without a primary source', async () => {
    const other = await worker.api('POST', '/apps', { name: `Plain app ${run}`, redirect_urls: [redirectUrl] });
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      await arriveAt(page, (url) => url.pathname === '/login', () => page.goto(`${worker.url}/sso/jwt/${other.client_id}?${new URLSearchParams({ redirect_uri: redirectUrl, state: 'e2e' })}`));
      await arriveAt(page, atUpstream, () => page.getByRole('link', { name: 'Continue with Acme ID' }).click());
      await signInUpstream(page, 'alice', atApp);
      const url = new URL(page.url());
      const { payload } = await jwtVerify(url.searchParams.get('id_token')!, new TextEncoder().encode(other.client_secret), { audience: other.client_id });
      expect(payload).toMatchObject({ sub: firstSub, idp: SLUG });
    });
    await close();
  });

  it('an admin runs Test connection in the console, sees the claims and mapped profile, and unlinks an identity', async () => {
    const password = randomBytes(12).toString('base64url');
    const adminUser = await worker.api('POST', '/users', { email: `admin-${run}@example.com`, password, roles: ['admin'] });
    const { page, close } = await newPage(browser);
    await step(page, async () => {
      await arriveAt(page, (url) => url.pathname === '/login', () => page.goto(`${worker.url}/admin/identity-sources/${SLUG}`));
      await page.getByLabel('Email').fill(adminUser.email);
      await page.getByLabel('Password').fill(password);
      await arriveAt(page, (url) => url.pathname === `/admin/identity-sources/${SLUG}`, () => page.getByRole('button', { name: 'Sign in' }).click());
      expect(await page.locator('#redirect-uri').innerText()).toBe(`${worker.url}/federation/${SLUG}/callback`);

      await arriveAt(page, atUpstream, () => page.getByRole('link', { name: 'Test connection' }).click());
      await signInUpstream(page, 'alice', (url) => url.pathname === `/federation/${SLUG}/callback`);
      await page.locator('#test-result').waitFor();
      const mapped = JSON.parse(await page.locator('#test-mapped').innerText());
      expect(mapped).toMatchObject({ email: ACCOUNTS.alice!.email, email_verified: true, groups: ['acme:eng', 'acme:Staff'] });
      const claims = JSON.parse(await page.locator('#test-claims').innerText());
      expect(claims).toMatchObject({ sub: 'alice', email: ACCOUNTS.alice!.email, groups: ['Engineering', 'Staff'] });
      expect(await page.locator('#test-subject').innerText()).toBe('alice');

      // The user page lists alice's linked identity; Unlink asks first, then removes it.
      const users = await worker.api('GET', `/users?q=${encodeURIComponent(ACCOUNTS.alice!.email as string)}`);
      await arriveAt(page, (url) => url.pathname === `/admin/users/${users.users[0].id}`, () => page.goto(`${worker.url}/admin/users/${users.users[0].id}`));
      const row = page.locator('#linked-identities tbody tr');
      expect(await row.count()).toBe(1);
      expect(await row.innerText()).toContain(SLUG);
      await arriveAt(page, (url) => url.pathname.endsWith('/unlink'), () => row.getByRole('link', { name: 'Unlink' }).click());
      await arriveAt(page, (url) => url.pathname === `/admin/users/${users.users[0].id}`, () => page.getByRole('button', { name: 'Unlink identity' }).click());
      expect(await page.locator('#linked-identities').count()).toBe(0);
    });
    await close();
    const events = await worker.api('GET', '/audit?type=user.identity.unlink');
    expect(events.events[0]).toMatchObject({ actor: adminUser.id, detail: { source: SLUG, subject: 'alice' } });
  });

  it('Test connection says in plain words what failed, naming the host: unreachable, TLS, invalid discovery, a refused client', async () => {
    // Local stand-ins: a closed port; a TCP server that answers garbage (so https to it fails its
    // TLS handshake); an issuer whose discovery turns into an HTML page after the source is saved.
    const closedPort = await freePort();
    const garbage: TcpServer = createTcpServer((socket) => {
      socket.on('error', () => undefined);
      socket.end('SSH-2.0-not-http\r\n');
    });
    const garbagePort = await freePort();
    await new Promise<void>((resolve) => garbage.listen(garbagePort, '127.0.0.1', resolve));
    let discoveryMode: 'valid' | 'html' = 'valid';
    const flakyPort = await freePort();
    const flakyIssuer = `http://127.0.0.1:${flakyPort}`;
    const flaky = createServer((_req, res) => {
      if (discoveryMode === 'html') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Welcome to nginx!</html>');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer: flakyIssuer, authorization_endpoint: `${flakyIssuer}/auth`, token_endpoint: `${flakyIssuer}/token`, jwks_uri: `${flakyIssuer}/jwks` }));
    });
    await new Promise<void>((resolve) => flaky.listen(flakyPort, '127.0.0.1', resolve));
    try {
      // Saving a source checks discovery: the field error names the host and the failure.
      const refused = await worker.api('POST', '/identity-sources', { type: 'oidc', slug: 'closed', issuer: `http://127.0.0.1:${closedPort}`, client_id: 'x', client_secret: 'y' }).catch((e) => e);
      expect(refused.status).toBe(400);
      expect(refused.body.fields.issuer).toContain(`could not be reached: http://127.0.0.1:${closedPort}`);
      expect(refused.body.fields.issuer).not.toContain('internal error');
      const tls = await worker.api('POST', '/identity-sources', { type: 'oidc', slug: 'tls', issuer: `https://127.0.0.1:${garbagePort}`, client_id: 'x', client_secret: 'y' }).catch((e) => e);
      expect(tls.status).toBe(400);
      expect(tls.body.fields.issuer).toContain(`could not be reached securely: https://127.0.0.1:${garbagePort}: the TLS handshake failed`);

      await worker.api('POST', '/identity-sources', { type: 'oidc', slug: 'flaky', name: 'Flaky ID', issuer: flakyIssuer, client_id: 'x', client_secret: 'y' });
      await worker.api('POST', '/identity-sources', { type: 'oidc', slug: REFUSED_SLUG, name: 'Acme (wrong secret)', issuer: upstream.issuer, client_id: 'edge-sso-refused', client_secret: 'not-the-secret' });

      const password = randomBytes(12).toString('base64url');
      const adminUser = await worker.api('POST', '/users', { email: `tester-${run}@example.com`, password, roles: ['admin'] });
      const { page, close } = await newPage(browser);
      const failureOf = async (slug: string, via?: () => Promise<void>) => {
        await arriveAt(page, (url) => url.pathname === `/admin/identity-sources/${slug}`, () => page.goto(`${worker.url}/admin/identity-sources/${slug}`));
        if (via) await via();
        else await page.getByRole('link', { name: 'Test connection' }).click();
        await page.locator('#test-failure').waitFor();
        return { what: await page.locator('#test-failure').innerText(), check: await page.locator('#test-check').innerText() };
      };
      await step(page, async () => {
        await arriveAt(page, (url) => url.pathname === '/login', () => page.goto(`${worker.url}/admin`));
        await page.getByLabel('Email').fill(adminUser.email);
        await page.getByLabel('Password').fill(password);
        await arriveAt(page, (url) => url.pathname.startsWith('/admin'), () => page.getByRole('button', { name: 'Sign in' }).click());

        discoveryMode = 'html';
        const invalid = await failureOf('flaky');
        expect(invalid.what).toContain(`The OpenID Connect discovery document of 127.0.0.1:${flakyPort} is not usable`);
        expect(invalid.check).toContain('issuer');

        await new Promise<void>((resolve) => flaky.close(() => resolve()));
        const down = await failureOf('flaky');
        expect(down.what).toContain(`edge-sso could not reach 127.0.0.1:${flakyPort}`);
        expect(down.what).not.toContain('client ID');

        // The real upstream signs alice in, then refuses the code exchange (invalid_client).
        const wrong = await failureOf(REFUSED_SLUG, async () => {
          await arriveAt(page, atUpstream, () => page.getByRole('link', { name: 'Test connection' }).click());
          await page.locator('input[name="login"]').fill('alice');
          await page.locator('input[name="password"]').fill('any password');
          await page.locator('button[type="submit"]').click();
          // The result page answers 400 (a failed test), so no arriveAt here: consent, then the callback.
          const consent = page.getByRole('button', { name: 'Continue' });
          await Promise.race([consent.waitFor().then(() => consent.click()), page.waitForURL((url) => url.pathname === `/federation/${REFUSED_SLUG}/callback`)]);
        });
        expect(wrong.what).toContain(`${new URL(upstream.issuer).host} refused edge-sso's client`);
        expect(wrong.check).toContain('client ID and secret');
      });
      await close();
      const events = await worker.api('GET', '/audit?type=source.test');
      const mine = events.events.filter((e: { actor: string }) => e.actor === adminUser.id);
      expect(mine.map((e: { target: string; detail: { ok: boolean; reason: string } }) => [e.target, e.detail.ok, e.detail.reason])).toEqual([
        [REFUSED_SLUG, false, 'client_refused'],
        ['flaky', false, 'unreachable'],
        ['flaky', false, 'discovery_failed'],
      ]);
    } finally {
      garbage.close();
      flaky.closeAllConnections();
      flaky.close();
    }
  });
});

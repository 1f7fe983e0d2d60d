// OIDC Back-Channel Logout 1.0 in workerd: the apps a user signed in to receive a signed logout
// token when the user signs out, is signed out everywhere, is disabled or is deleted.
//
// The apps' back-channel endpoints are played by an interception of the Worker's outbound
// fetch (the Worker runs in this isolate); each received token is verified against the JWKS the
// Worker publishes. Requests that end sessions are run through the Worker's handler with an
// execution context the test waits on, so "after the response" work has finished when it looks.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import worker from '../../src/index';
import { addSessionApp, type SessionRecord } from '../../src/sessions/sessions';
import { admin, ADMIN_TOKEN, auditPage, Browser, call, createApp, createUser, delivered, ORIGIN, PASSWORD, unique } from '../helpers';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

interface Received {
  url: string;
  method: string;
  contentType: string;
  logoutToken: string;
}

/** The apps' back-channel endpoints: every outbound request is recorded and answered by `answer`. */
let received: Received[] = [];
let answer: (url: string, attempt: number) => Response = () => new Response(null, { status: 200 });

beforeEach(() => {
  received = [];
  answer = () => new Response(null, { status: 200 });
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const form = new URLSearchParams(await request.text());
    received.push({ url: request.url, method: request.method, contentType: request.headers.get('content-type') ?? '', logoutToken: form.get('logout_token') ?? '' });
    return answer(request.url, received.filter((r) => r.url === request.url).length);
  });
});
afterEach(() => vi.restoreAllMocks());

/** Runs a request through the Worker and waits for its after-the-response work (waitUntil). */
async function settled(path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(new URL(path, ORIGIN), { redirect: 'manual', ...init }), env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const adminSettled = (method: string, path: string, body?: unknown) =>
  settled(`/api/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function appWithBackchannel(fields: Record<string, unknown> = {}) {
  const host = `${unique('rp')}.example.com`;
  return createApp({ redirect_urls: [`https://${host}/callback`], backchannel_logout_uri: `https://${host}/backchannel-logout`, ...fields });
}

async function signInTo(browser: Browser, clientId: string, email: string) {
  const { params } = await delivered(await browser.signInThrough(`/sso/jwt/${clientId}`, email, PASSWORD));
  expect(params.id_token).toBeTruthy();
}

/** Verifies a received logout token as an app would: signature against the published JWKS, then its claims. */
async function verifyLogoutToken(token: string, clientId: string): Promise<JWTPayload> {
  const jwks = createLocalJWKSet(await (await call('/.well-known/jwks.json')).json());
  const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: ORIGIN, audience: clientId, typ: 'logout+jwt', algorithms: ['RS256', 'ES256'] });
  expect(protectedHeader.kid).toBeTruthy();
  expect(payload.events).toEqual({ [EVENT]: {} });
  expect(payload).not.toHaveProperty('nonce');
  expect(typeof payload.jti).toBe('string');
  expect(payload.exp! - payload.iat!).toBe(120);
  expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(60);
  return payload;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

const sessionCookie = (browser: Browser) => `__Host-edge-sso-session=${browser.cookies.get('__Host-edge-sso-session')}`;

describe('back-channel logout at sign-out', () => {
  it.each(['HS256', 'RS256', 'ES256'] as const)('GET /sso/logout posts a logout token signed like ID tokens to the app (%s app)', async (alg) => {
    const app = await appWithBackchannel({ signing_alg: alg });
    const user = await createUser();
    const browser = new Browser();
    await signInTo(browser, app.client_id, user.email);

    const res = await settled('/sso/logout', { headers: { cookie: sessionCookie(browser) } });
    expect(res.status).toBe(200);

    expect(received).toHaveLength(1);
    const [notice] = received;
    expect(notice).toMatchObject({ url: app.backchannel_logout_uri, method: 'POST', contentType: 'application/x-www-form-urlencoded' });
    expect(decodeProtectedHeader(notice!.logoutToken)).toMatchObject({ typ: 'logout+jwt', alg: alg === 'HS256' ? 'RS256' : alg });
    const claims = await verifyLogoutToken(notice!.logoutToken, app.client_id);
    expect(claims.sub).toBe(user.id);

    const { events } = await auditPage(`type=logout.backchannel&user=${user.id}`);
    expect(events).toHaveLength(1);
    expect(events[0]!.detail).toMatchObject({ client_id: app.client_id, attempts: 1, status: 200 });
  });

  it('tells only the apps this session signed in to, once each, however often it visited them', async () => {
    const [a, b, never] = await Promise.all([appWithBackchannel(), appWithBackchannel(), appWithBackchannel()]);
    const quiet = await createApp(); // signed in to, but registered no back-channel URI
    const user = await createUser();
    const browser = new Browser();
    await signInTo(browser, a.client_id, user.email);
    for (const app of [a, b, a, quiet, b]) await delivered(await browser.fetch(`/sso/jwt/${app.client_id}`));

    await settled('/sso/logout', { headers: { cookie: sessionCookie(browser) } });
    expect(received.map((r) => r.url).sort()).toEqual([a.backchannel_logout_uri, b.backchannel_logout_uri].sort());
    expect(received.map((r) => r.url)).not.toContain(never.backchannel_logout_uri);
    for (const notice of received) {
      const clientId = notice.url === a.backchannel_logout_uri ? a.client_id : b.client_id;
      expect((await verifyLogoutToken(notice.logoutToken, clientId)).sub).toBe(user.id);
    }
  });

  it('signing in again as the same user (prompt=login) keeps the apps the browser signed in to', async () => {
    const [a, b] = await Promise.all([appWithBackchannel(), appWithBackchannel()]);
    const user = await createUser();
    const browser = new Browser();
    await signInTo(browser, a.client_id, user.email);
    const before = sessionCookie(browser);
    await delivered(await browser.signInThrough(`/sso/jwt/${b.client_id}?prompt=login`, user.email, PASSWORD));
    expect(sessionCookie(browser), 'a new session').not.toBe(before);

    await settled('/sso/logout', { headers: { cookie: sessionCookie(browser) } });
    expect(received.map((r) => r.url).sort()).toEqual([a.backchannel_logout_uri, b.backchannel_logout_uri].sort());
  });

  it('another user signing in over the session ends it: its apps are told then, and the new session does not inherit them', async () => {
    const [a, b] = await Promise.all([appWithBackchannel(), appWithBackchannel()]);
    const [first, second] = await Promise.all([createUser(), createUser()]);
    const browser = new Browser();
    await signInTo(browser, a.client_id, first.email);
    await delivered(await browser.signInThrough(`/sso/jwt/${b.client_id}?prompt=login`, second.email, PASSWORD));
    // Sent after the sign-in's response: wait for it (bounded).
    for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(received.map((r) => r.url)).toEqual([a.backchannel_logout_uri]);
    expect((await verifyLogoutToken(received[0]!.logoutToken, a.client_id)).sub).toBe(first.id);

    received = [];
    await settled('/sso/logout', { headers: { cookie: sessionCookie(browser) } });
    expect(received.map((r) => r.url)).toEqual([b.backchannel_logout_uri]);
    expect((await verifyLogoutToken(received[0]!.logoutToken, b.client_id)).sub).toBe(second.id);
  });

  it('a sign-out without a session tells no app', async () => {
    await appWithBackchannel();
    const res = await settled('/sso/logout');
    expect(res.status).toBe(200);
    expect(received).toEqual([]);
  });

  it('remembers each app with one write on its first visit in a session and none after', async () => {
    const [a, b] = await Promise.all([appWithBackchannel(), appWithBackchannel()]);
    const user = await createUser();
    const browser = new Browser();
    await signInTo(browser, a.client_id, user.email);
    const rows = () => env.DB.prepare('SELECT client_id FROM session_apps sa JOIN user_sessions us USING (id_hash) WHERE us.user_id = ? ORDER BY client_id').bind(user.id).all<{ client_id: string }>();
    expect((await rows()).results.map((r) => r.client_id)).toEqual([a.client_id]);

    const kvPut = vi.spyOn(env.KV, 'put');
    await delivered(await browser.fetch(`/sso/jwt/${b.client_id}`));
    expect(kvPut).toHaveBeenCalledTimes(1);
    expect((await rows()).results.map((r) => r.client_id)).toEqual([a.client_id, b.client_id].sort());

    kvPut.mockClear();
    await delivered(await browser.fetch(`/sso/jwt/${a.client_id}`));
    await delivered(await browser.fetch(`/sso/jwt/${b.client_id}`));
    expect(kvPut).not.toHaveBeenCalled();
  });
});

describe('remembering an app never revives an ended session', () => {
  it('a first visit that races a sign-out takes its KV write back', async () => {
    const app = await appWithBackchannel();
    const user = await createUser();
    const browser = new Browser();
    await signInTo(browser, app.client_id, user.email);
    const key = `session:${await sha256Hex(browser.cookies.get('__Host-edge-sso-session')!)}`;
    // The SSO route read the session, then the user signed out in another tab before the app was recorded.
    const session = { ...(await env.KV.get<SessionRecord>(key, 'json'))!, idHash: key.slice('session:'.length) };
    await settled('/sso/logout', { headers: { cookie: sessionCookie(browser) } });
    expect(await env.KV.get(key)).toBeNull();

    await addSessionApp(env, session, 'another-app');
    expect(await env.KV.get(key), 'the ended session stays ended').toBeNull();
    const rows = await env.DB.prepare('SELECT count(*) AS n FROM session_apps WHERE id_hash = ?').bind(session.idHash).first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });
});

describe('back-channel logout with OIDC sign-ins', () => {
  async function pkce() {
    const verifier = crypto.randomUUID() + crypto.randomUUID();
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
    const challenge = btoa(String.fromCharCode(...digest)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    return { verifier, challenge };
  }

  it('the authorization endpoint remembers the app, and /oauth2/logout tells both the OIDC and the JWT SSO app', async () => {
    const jwtApp = await appWithBackchannel();
    const oidcApp = await appWithBackchannel({ signing_alg: 'ES256', token_endpoint_auth_method: 'client_secret_post' });
    const user = await createUser();
    const browser = new Browser();
    await signInTo(browser, jwtApp.client_id, user.email);

    // The same session signs in to the OIDC app: a code, then the token endpoint for an ID token.
    const { verifier, challenge } = await pkce();
    const redirectUri = oidcApp.redirect_urls[0]!;
    const query = new URLSearchParams({ response_type: 'code', client_id: oidcApp.client_id, redirect_uri: redirectUri, scope: 'openid', state: 's', code_challenge: challenge, code_challenge_method: 'S256' });
    const authorized = await browser.fetch(`/oauth2/authorize?${query}`);
    expect(authorized.status).toBe(303);
    const code = new URL(authorized.headers.get('location')!).searchParams.get('code')!;
    expect(code).toBeTruthy();
    const tokenRes = await call('/oauth2/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: oidcApp.client_id, client_secret: oidcApp.client_secret }),
    });
    expect(tokenRes.status).toBe(200);
    const { id_token } = await tokenRes.json<{ id_token: string }>();

    const res = await settled(`/oauth2/logout?${new URLSearchParams({ id_token_hint: id_token })}`, { headers: { cookie: sessionCookie(browser) } });
    expect(res.status).toBe(200);
    expect(received.map((r) => r.url).sort()).toEqual([jwtApp.backchannel_logout_uri, oidcApp.backchannel_logout_uri].sort());
    for (const notice of received) {
      const clientId = notice.url === oidcApp.backchannel_logout_uri ? oidcApp.client_id : jwtApp.client_id;
      expect((await verifyLogoutToken(notice.logoutToken, clientId)).sub).toBe(user.id);
    }
  });
});

describe('back-channel logout when an admin ends sessions', () => {
  async function userInTwoBrowsers() {
    const [a, b] = await Promise.all([appWithBackchannel({ signing_alg: 'ES256' }), appWithBackchannel()]);
    const user = await createUser();
    const first = new Browser();
    const second = new Browser();
    await signInTo(first, a.client_id, user.email);
    await signInTo(second, b.client_id, user.email);
    await delivered(await second.fetch(`/sso/jwt/${a.client_id}`));
    return { a, b, user };
  }

  async function expectBothToldOnce({ a, b, user }: Awaited<ReturnType<typeof userInTwoBrowsers>>) {
    expect(received.map((r) => r.url).sort()).toEqual([a.backchannel_logout_uri, b.backchannel_logout_uri].sort());
    for (const notice of received) {
      const clientId = notice.url === a.backchannel_logout_uri ? a.client_id : b.client_id;
      expect((await verifyLogoutToken(notice.logoutToken, clientId)).sub).toBe(user.id);
    }
  }

  it('DELETE /api/admin/users/:id/sessions (sign out everywhere)', async () => {
    const s = await userInTwoBrowsers();
    const res = await adminSettled('DELETE', `/users/${s.user.id}/sessions`);
    expect(await res.json()).toMatchObject({ sessions_ended: 2 });
    await expectBothToldOnce(s);
  });

  it('disabling the user', async () => {
    const s = await userInTwoBrowsers();
    expect((await adminSettled('PATCH', `/users/${s.user.id}`, { disabled: true })).status).toBe(200);
    await expectBothToldOnce(s);
  });

  it('a new password', async () => {
    const s = await userInTwoBrowsers();
    expect((await adminSettled('PATCH', `/users/${s.user.id}`, { password: 'another long password' })).status).toBe(200);
    await expectBothToldOnce(s);
  });

  it('deleting the user', async () => {
    const s = await userInTwoBrowsers();
    expect((await adminSettled('DELETE', `/users/${s.user.id}`)).status).toBe(204);
    await expectBothToldOnce(s);
  });

  it('a profile change ends nothing and tells no app', async () => {
    const s = await userInTwoBrowsers();
    expect((await adminSettled('PATCH', `/users/${s.user.id}`, { name: 'Renamed' })).status).toBe(200);
    expect(received).toEqual([]);
  });
});

describe('delivery failures', () => {
  it('retries an app that answers 503, and audits the delivery with its attempts', async () => {
    const app = await appWithBackchannel();
    const user = await createUser();
    const browser = new Browser();
    await signInTo(browser, app.client_id, user.email);
    answer = (_url, attempt) => new Response('busy', { status: attempt === 1 ? 503 : 200 });

    await settled('/sso/logout', { headers: { cookie: sessionCookie(browser) } });
    expect(received).toHaveLength(2);
    expect(received[1]!.logoutToken).toBe(received[0]!.logoutToken); // the same token, so the app can de-duplicate by jti
    const { events } = await auditPage(`type=logout.backchannel&user=${user.id}`);
    expect(events[0]!.detail).toMatchObject({ client_id: app.client_id, attempts: 2, status: 200 });
  });

  it('audits an app that refuses the token (400) without retrying', async () => {
    const app = await appWithBackchannel();
    const user = await createUser();
    const browser = new Browser();
    await signInTo(browser, app.client_id, user.email);
    answer = () => new Response('{"error":"invalid_request"}', { status: 400 });

    await settled('/sso/logout', { headers: { cookie: sessionCookie(browser) } });
    expect(received).toHaveLength(1);
    const { events } = await auditPage(`type=logout.backchannel.failure&user=${user.id}`);
    expect(events).toHaveLength(1);
    expect(events[0]!.detail).toMatchObject({ client_id: app.client_id, attempts: 1, status: 400 });
  });

  it('one app failing does not stop the others from being told', async () => {
    const [down, up] = await Promise.all([appWithBackchannel(), appWithBackchannel()]);
    const user = await createUser();
    const browser = new Browser();
    await signInTo(browser, down.client_id, user.email);
    await delivered(await browser.fetch(`/sso/jwt/${up.client_id}`));
    answer = (url) => (url === down.backchannel_logout_uri ? new Response(null, { status: 400 }) : new Response(null, { status: 204 }));

    await settled('/sso/logout', { headers: { cookie: sessionCookie(browser) } });
    expect(received.map((r) => r.url).sort()).toEqual([down.backchannel_logout_uri, up.backchannel_logout_uri].sort());
    const delivered204 = await auditPage(`type=logout.backchannel&user=${user.id}`);
    expect(delivered204.events.map((e) => e.detail.client_id)).toEqual([up.client_id]);
  });
});

describe('the admin API field', () => {
  it('refuses a back-channel URI that is not https (or http on loopback)', async () => {
    const res = await admin('POST', '/apps', { name: 'Bad', redirect_urls: ['https://app.example.com/cb'], backchannel_logout_uri: 'http://app.example.com/bc' });
    expect(res.status).toBe(400);
    expect((await res.json<{ fields: Record<string, string> }>()).fields).toHaveProperty('backchannel_logout_uri');
  });
});

// Deprovisioning through SCIM is immediate and takes the same path as an admin's disable: the
// user's live sessions end, refresh tokens stop working, and every app the user signed in to gets a
// back-channel logout token in the same request. Groups pushed by SCIM are edge-sso groups:
// access rules name them, and membership changes reach live sessions.
//
// The apps' back-channel endpoints are an interception of the Worker's outbound fetch, as in
// test/oidc/backchannel.test.ts; SCIM requests run with an execution context the test waits on.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import worker from '../../src/index';
import { admin, Browser, call, createApp, createUser, delivered, ORIGIN, PASSWORD, unique } from '../helpers';
import { codeFor, oidcApp, redeem, refreshWith, type TokenResponse } from '../oidc/support';
import { GROUP_SCHEMA, PATCH_OP, scimJson, scimToken } from './support';

let received: { url: string; logoutToken: string }[] = [];
beforeEach(() => {
  received = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    received.push({ url: request.url, logoutToken: new URLSearchParams(await request.text()).get('logout_token') ?? '' });
    return new Response(null, { status: 200 });
  });
});
afterEach(() => vi.restoreAllMocks());

/** A SCIM request through the Worker, waiting for its after-the-response work (back-channel logout, audit). */
async function scimSettled(token: string, method: string, path: string, body?: unknown): Promise<Response> {
  const ctx = createExecutionContext();
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) };
  const res = await worker.fetch(new Request(new URL(`/scim/v2${path}`, ORIGIN), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }), env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** A provisioned user signed in to a JWT app with a back-channel URI and holding an OIDC refresh token. */
async function provisionedAndSignedIn(token: string) {
  const user = await createUser();
  // The SCIM client adopts the existing account (Okta: "If found, Okta links to the existing user").
  const found = await scimJson(await scimSettled(token, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${user.email}"`)}`), 200);
  expect(found.totalResults).toBe(1);
  const host = `${unique('rp')}.example.com`;
  const jwtApp = await createApp({ redirect_urls: [`https://${host}/callback`], backchannel_logout_uri: `https://${host}/backchannel-logout` });
  const browser = new Browser();
  const { params } = await delivered(await browser.signInThrough(`/sso/jwt/${jwtApp.client_id}`, user.email, PASSWORD));
  expect(params.id_token).toBeTruthy();
  const app = await oidcApp();
  const tokens = (await (await redeem(app, await codeFor(browser, app, { scope: 'openid email offline_access' }))).json()) as TokenResponse;
  expect(tokens.refresh_token).toBeTruthy();
  return { user, jwtApp, app, browser, refreshToken: tokens.refresh_token! };
}

async function expectDeprovisioned(ctx: Awaited<ReturnType<typeof provisionedAndSignedIn>>) {
  // The app's back-channel endpoint received its logout token, signed for it, about this user.
  expect(received.map((r) => r.url)).toEqual([ctx.jwtApp.backchannel_logout_uri]);
  const jwks = createLocalJWKSet(await (await call('/.well-known/jwks.json')).json());
  const { payload } = await jwtVerify(received[0]!.logoutToken, jwks, { issuer: ORIGIN, audience: ctx.jwtApp.client_id, typ: 'logout+jwt' });
  expect(payload.sub).toBe(ctx.user.id);
  // The refresh token stopped working, and the browser's session is gone.
  expect((await refreshWith(ctx.app, ctx.refreshToken)).status).toBe(400);
  const again = await ctx.browser.fetch(`/sso/jwt/${ctx.jwtApp.client_id}`);
  expect(again.status).toBe(303);
  expect(again.headers.get('location')).toMatch(/^\/login/);
}

describe('deprovisioning', () => {
  it('active: false (Entra ID) ends sessions and refresh tokens and tells the apps, in the same request', async () => {
    const { token } = await scimToken();
    const ctx = await provisionedAndSignedIn(token);
    const res = await scimSettled(token, 'PATCH', `/Users/${ctx.user.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    expect((await scimJson(res, 200)).active).toBe(false);
    await expectDeprovisioned(ctx);
    // active: true enables again; the old sessions and tokens stay ended.
    const enabled = await scimSettled(token, 'PATCH', `/Users/${ctx.user.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] });
    expect((await scimJson(enabled, 200)).active).toBe(true);
    expect((await scimJson(await admin('GET', `/users/${ctx.user.id}`), 200)).disabled).toBe(false);
    expect((await refreshWith(ctx.app, ctx.refreshToken)).status).toBe(400);
  });

  it('PUT with active false (Okta) deprovisions the same way', async () => {
    const { token } = await scimToken({ name: 'Okta' });
    const ctx = await provisionedAndSignedIn(token);
    const current = await scimJson(await scimSettled(token, 'GET', `/Users/${ctx.user.id}`), 200);
    await scimJson(await scimSettled(token, 'PUT', `/Users/${ctx.user.id}`, { ...current, active: false }), 200);
    await expectDeprovisioned(ctx);
  });

  it('DELETE deletes the user, ending sessions and refresh tokens and telling the apps', async () => {
    const { token } = await scimToken();
    const ctx = await provisionedAndSignedIn(token);
    expect((await scimSettled(token, 'DELETE', `/Users/${ctx.user.id}`)).status).toBe(204);
    await expectDeprovisioned(ctx);
    expect((await admin('GET', `/users/${ctx.user.id}`)).status).toBe(404);
    expect((await scimSettled(token, 'GET', `/Users/${ctx.user.id}`)).status).toBe(404);
  });
});

describe('SCIM Groups', () => {
  it('a pushed group opens an app whose access rule names it, and removing the member closes it in the live session', async () => {
    const { token } = await scimToken();
    const groupName = unique('Payroll');
    const app = await createApp({ access: { groups: [groupName], users: [] } });
    const user = await createUser();
    const browser = new Browser();
    expect((await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD)).status).toBe(403);

    const group = await scimJson(await scimSettled(token, 'POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: groupName, externalId: unique('ext'), members: [] }), 201);
    expect(group).toMatchObject({ displayName: groupName, members: [] });
    expect((await scimSettled(token, 'PATCH', `/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: user.id }] }] })).status).toBe(204);
    // The same live session now carries the group: the app opens, and its token says so.
    const { params } = await delivered(await browser.fetch(`/sso/jwt/${app.client_id}`));
    expect(JSON.parse(atob(params.id_token!.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))).groups).toContain(groupName);
    const withMembers = await scimJson(await scimSettled(token, 'GET', `/Groups/${group.id}`), 200);
    expect(withMembers.members).toEqual([{ value: user.id, display: user.email, $ref: `https://sso.test/scim/v2/Users/${user.id}` }]);
    const asUser = await scimJson(await scimSettled(token, 'GET', `/Users/${user.id}`), 200);
    expect(asUser.groups).toEqual([{ value: group.id, display: groupName, $ref: `https://sso.test/scim/v2/Groups/${group.id}` }]);
    const byMember = await scimJson(await scimSettled(token, 'GET', `/Groups?filter=${encodeURIComponent(`id eq "${group.id}" and members[value eq "${user.id}"]`)}&excludedAttributes=members`), 200);
    expect(byMember.totalResults).toBe(1);
    expect(byMember.Resources[0]).not.toHaveProperty('members');

    expect((await scimSettled(token, 'PATCH', `/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${user.id}"]` }] })).status).toBe(204);
    expect((await browser.fetch(`/sso/jwt/${app.client_id}`)).status).toBe(403);
  });

  it('finds by displayName, renames, replaces members, and deletes (members lose the group)', async () => {
    const { token } = await scimToken();
    const [a, b] = [await createUser(), await createUser()];
    const name = unique('Team');
    const group = await scimJson(await scimSettled(token, 'POST', '/Groups', { displayName: name, members: [{ value: a.id }] }), 201);
    expect((await scimSettled(token, 'POST', '/Groups', { displayName: name })).status).toBe(409);
    const found = await scimJson(await scimSettled(token, 'GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`displayName eq "${name}"`)}`), 200);
    expect(found.Resources.map((g: { id: string }) => g.id)).toEqual([group.id]);

    const renamed = `${name}-renamed`;
    await scimSettled(token, 'PATCH', `/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'displayName', value: renamed }, { op: 'replace', path: 'members', value: [{ value: b.id }] }] });
    expect((await scimJson(await admin('GET', `/users/${a.id}`), 200)).groups).toEqual([]);
    expect((await scimJson(await admin('GET', `/users/${b.id}`), 200)).groups).toEqual([renamed]);

    expect((await scimSettled(token, 'DELETE', `/Groups/${group.id}`)).status).toBe(204);
    expect((await scimJson(await admin('GET', `/users/${b.id}`), 200)).groups).toEqual([]);
    expect((await scimSettled(token, 'GET', `/Groups/${group.id}`)).status).toBe(404);
  });

  it('refuses members that are not users and bad names with invalidValue', async () => {
    const { token } = await scimToken();
    expect(await scimJson(await scimSettled(token, 'POST', '/Groups', { displayName: unique('g'), members: [{ value: 'nobody' }] }), 400)).toMatchObject({ scimType: 'invalidValue' });
    expect(await scimJson(await scimSettled(token, 'POST', '/Groups', { displayName: '' }), 400)).toMatchObject({ scimType: 'invalidValue' });
    expect(await scimJson(await scimSettled(token, 'POST', '/Groups', { displayName: 'a\u0000b' }), 400)).toMatchObject({ scimType: 'invalidValue' });
  });

  it('two parallel membership changes to one user both stick', async () => {
    const { token } = await scimToken();
    const user = await createUser();
    const groups = await Promise.all([1, 2, 3, 4].map(async (i) => scimJson(await scimSettled(token, 'POST', '/Groups', { displayName: unique(`p${i}`) }), 201)));
    await Promise.all(groups.map((g) => scimSettled(token, 'PATCH', `/Groups/${g.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: user.id }] }] })));
    expect(((await scimJson(await admin('GET', `/users/${user.id}`), 200)).groups as string[]).sort()).toEqual(groups.map((g) => g.displayName).sort());
  });
});

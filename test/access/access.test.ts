// Per-app access rules (issue #11): the admin API field, and the rule enforced where tokens are
// issued: the JWT SSO URL (a 403 page), the OIDC authorization endpoint (access_denied at the app)
// and the token endpoint (no new tokens once a user leaves the app's groups); My apps lists the
// same apps; an admin's change to a user's groups reaches their live session at once.
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { admin, auditUntil, Browser, createApp, createUser, delivered, ORIGIN, PASSWORD, unique } from '../helpers';
import { authorizePath, challengeOf, codeFor, oidcApp, redeem, REDIRECT, refreshWith, responseParams, signedIn, VERIFIER, type TokenResponse } from '../oidc/support';

afterEach(() => vi.restoreAllMocks());

type Access = 'everyone' | { groups: string[]; users: string[] };

async function appJson(clientId: string): Promise<{ access: Access; name: string }> {
  return (await admin('GET', `/apps/${clientId}`)).json();
}

describe('the 403 page', () => {
  it('offers "Sign in as someone else": the SSO URL with prompt=login, whose sign-in replaces the refused session', async () => {
    const group = unique('finance');
    const member = await createUser({ groups: [group] });
    const outsider = await createUser();
    const app = await createApp({ access: { groups: [group], users: [] } });
    const browser = new Browser();
    const refused = await browser.signInThrough(`/sso/jwt/${app.client_id}?state=s9`, outsider.email, PASSWORD);
    expect(refused.status).toBe(403);
    const link = /<a href="([^"]+)">Sign in as someone else<\/a>/.exec(await refused.text());
    expect(link).not.toBeNull();
    const href = link![1]!.replaceAll('&amp;', '&');
    expect(href).toBe(`/sso/jwt/${app.client_id}?state=s9&prompt=login`);
    const { params } = await delivered(await browser.signInThrough(href, member.email, PASSWORD));
    expect(params.state).toBe('s9');
    const payload = JSON.parse(atob(params.id_token!.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')));
    expect(payload.sub).toBe(member.id);
  });
});

describe('access in the admin API', () => {
  it('defaults to "everyone", stores groups and users (emails become ids), and goes back to "everyone"', async () => {
    const app = await createApp();
    expect(app.access).toBe('everyone');
    const ada = await createUser();
    const bob = await createUser();
    const res = await admin('PATCH', `/apps/${app.client_id}`, { access: { groups: ['payroll', ' payroll ', 'Group that no user has yet'], users: [ada.id, bob.email.toUpperCase()] } });
    expect(res.status).toBe(200);
    const expected = { groups: ['payroll', 'Group that no user has yet'], users: [ada.id, bob.id] };
    expect(((await res.json()) as { access: Access }).access).toEqual(expected);
    expect((await appJson(app.client_id)).access).toEqual(expected);
    const reset = await admin('PATCH', `/apps/${app.client_id}`, { access: 'everyone' });
    expect(((await reset.json()) as { access: Access }).access).toBe('everyone');
    const created = await createApp({ access: { groups: ['staff'] } });
    expect(created.access).toEqual({ groups: ['staff'], users: [] });
  });

  it('treats the same rule with users given by email as no change (nothing written, nothing audited)', async () => {
    const ada = await createUser();
    const app = await createApp({ access: { groups: ['staff'], users: [ada.email] } });
    const res = await admin('PATCH', `/apps/${app.client_id}`, { access: { groups: ['staff'], users: [ada.email.toUpperCase()] } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { access: Access }).access).toEqual({ groups: ['staff'], users: [ada.id] });
    const changed = await admin('PATCH', `/apps/${app.client_id}`, { access: { groups: ['staff', 'ops'], users: [ada.id] } });
    expect(((await changed.json()) as { access: Access }).access).toEqual({ groups: ['staff', 'ops'], users: [ada.id] });
    const events = await auditUntil(`type=app.update&user=${app.client_id}`, (e) => e.length > 0);
    expect(events.map((e) => e.detail.changes)).toEqual([{ access: { from: { groups: ['staff'], users: [ada.id] }, to: { groups: ['staff', 'ops'], users: [ada.id] } } }]);
  });

  it('refuses a user who does not exist with a 400 naming the field, and changes nothing', async () => {
    const app = await createApp({ access: { groups: ['staff'] } });
    const res = await admin('PATCH', `/apps/${app.client_id}`, { access: { groups: ['other'], users: ['nobody-here@example.com'] } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { fields: Record<string, string> };
    expect(body.fields['access.users']).toContain('"nobody-here@example.com"');
    expect((await appJson(app.client_id)).access).toEqual({ groups: ['staff'], users: [] });
    const create = await admin('POST', '/apps', { name: 'X', redirect_urls: ['https://app.example.com/cb'], access: { users: ['no-such-id'] } });
    expect(create.status).toBe(400);
    expect(Object.keys(((await create.json()) as { fields: object }).fields)).toEqual(['access.users']);
  });

  it.each([
    ['a string other than "everyone"', 'nobody', 'access'],
    ['a list', ['staff'], 'access'],
    ['unknown keys', { groups: ['a'], roles: ['b'] }, 'access'],
    ['no group and no user', { groups: [], users: [] }, 'access'],
    ['groups not strings', { groups: [1] }, 'access.groups'],
    ['users not an array', { users: 'a@example.com' }, 'access.users'],
    ['a group with a control character', { groups: ['a\u0000b'] }, 'access.groups'],
  ])('refuses %s with a 400 on the field', async (_label, access, field) => {
    const res = await admin('POST', '/apps', { name: 'X', redirect_urls: ['https://app.example.com/cb'], access });
    expect(res.status).toBe(400);
    expect(Object.keys(((await res.json()) as { fields: object }).fields)).toEqual([field]);
  });
});

describe('the JWT SSO URL', () => {
  it('lets in members of a listed group and listed users, and refuses others with a 403 page, no token, and an audit entry', async () => {
    const group = unique('payroll');
    const member = await createUser({ groups: [group] });
    const listed = await createUser({ groups: ['interns'] });
    const outsider = await createUser({ groups: ['interns'] });
    const name = unique('Payroll');
    const app = await createApp({ name, access: { groups: [group], users: [listed.email] } });
    const sso = `/sso/jwt/${app.client_id}?state=s1`;

    for (const user of [member, listed]) {
      const { params, target } = await delivered(await new Browser().signInThrough(sso, user.email, PASSWORD));
      expect(target).toBe('https://app.example.com/callback');
      expect(params.id_token).toBeTruthy();
    }

    const browser = new Browser();
    const res = await browser.signInThrough(sso, outsider.email, PASSWORD);
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toMatch(new RegExp(`You don(?:'|&#39;)t have access to <strong>${name}</strong>\\. Ask your administrator\\.`));
    expect(html).toContain('<a href="/my-apps">Go to My apps</a>');
    expect(html).not.toContain('id_token');
    const events = await auditUntil(`type=access.denied&target=${app.client_id}`, (e) => e.length > 0);
    expect(events[0]).toMatchObject({ type: 'access.denied', actor: outsider.id, target: app.client_id, detail: { via: 'sso' } });
  });

  it('answers prompt=none with error=access_denied at the redirect URL, without a token, instead of the page', async () => {
    const app = await createApp({ access: { groups: [unique('none')] } });
    const user = await createUser();
    const browser = new Browser();
    expect((await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD)).status).toBe(403);
    const { target, params } = await delivered(await browser.fetch(`/sso/jwt/${app.client_id}?prompt=none&state=quiet`));
    expect(target).toBe('https://app.example.com/callback');
    expect(params).toEqual({ error: 'access_denied', state: 'quiet' });
  });

  it('keeps the hot path at one KV read and no D1 query for a restricted app', async () => {
    const group = unique('hot');
    const app = await createApp({ access: { groups: [group] } });
    const user = await createUser({ groups: [group] });
    const browser = new Browser();
    await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD);
    await browser.fetch(`/sso/jwt/${app.client_id}`); // warms the isolate cache
    const d1 = vi.spyOn(env.DB, 'prepare');
    const kvGet = vi.spyOn(env.KV, 'get');
    const { params } = await delivered(await browser.fetch(`/sso/jwt/${app.client_id}?state=hot`));
    expect(params.id_token).toBeTruthy();
    expect(d1).not.toHaveBeenCalled();
    expect(kvGet).toHaveBeenCalledTimes(1);
  });

  it("applies an admin's change of the app's rule at once in this isolate", async () => {
    const user = await createUser({ groups: ['staff'] });
    const app = await createApp();
    const browser = new Browser();
    expect((await delivered(await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD))).params.id_token).toBeTruthy();
    await admin('PATCH', `/apps/${app.client_id}`, { access: { groups: ['finance'] } });
    expect((await browser.fetch(`/sso/jwt/${app.client_id}`)).status).toBe(403);
  });
});

describe("an admin's change to a user's groups", () => {
  it("reaches the user's live session: added to the group, the same session gets a token; removed, it is refused", async () => {
    const group = unique('ops');
    const app = await createApp({ access: { groups: [group] } });
    const user = await createUser({ groups: ['staff'] });
    const browser = new Browser();
    expect((await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD)).status).toBe(403);

    expect((await admin('PATCH', `/users/${user.id}`, { groups: ['staff', group] })).status).toBe(200);
    const { params } = await delivered(await browser.fetch(`/sso/jwt/${app.client_id}`));
    expect(params.id_token).toBeTruthy();
    const claims = JSON.parse(atob(params.id_token!.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { groups: string[] };
    expect(claims.groups).toEqual(['staff', group]);

    expect((await admin('PATCH', `/users/${user.id}`, { groups: ['staff'] })).status).toBe(200);
    expect((await browser.fetch(`/sso/jwt/${app.client_id}`)).status).toBe(403);
  });

  it('made in the console reaches the live session too', async () => {
    const group = unique('console-grp');
    const app = await createApp({ access: { groups: [group] } });
    const user = await createUser();
    const browser = new Browser();
    expect((await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD)).status).toBe(403);

    const boss = await createUser({ roles: ['admin'] });
    const console_ = new Browser();
    const login = await console_.fetch('/login');
    await console_.submitLogin(await login.text(), boss.email, PASSWORD);
    const edit = await console_.fetch(`/admin/users/${user.id}`);
    expect(edit.status).toBe(200);
    const html = await edit.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const saved = await console_.fetch(`/admin/users/${user.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams({ csrf, email: user.email, name: 'Ada Lovelace', given_name: '', family_name: '', username: '', groups: group }),
    });
    expect(saved.status).toBe(303);
    expect((await delivered(await browser.fetch(`/sso/jwt/${app.client_id}`))).params.id_token).toBeTruthy();
  });
});

describe('the OIDC authorization endpoint', () => {
  it('sends access_denied with state and iss to the redirect URI of an app the user may not open, and issues no code', async () => {
    const app = await oidcApp({ access: { groups: [unique('finance')] } });
    const { browser, user } = await signedIn();
    const res = await browser.fetch(authorizePath(app, { code_challenge: await challengeOf(VERIFIER), code_challenge_method: 'S256', state: 'st-denied' }));
    expect(res.headers.get('location')!.startsWith(`${REDIRECT}?`)).toBe(true);
    const params = responseParams(res);
    expect(params).toMatchObject({ error: 'access_denied', state: 'st-denied', iss: ORIGIN });
    expect(params.code).toBeUndefined();
    const events = await auditUntil(`type=access.denied&target=${app.client_id}`, (e) => e.length > 0);
    expect(events[0]).toMatchObject({ actor: user.id, detail: { via: 'oidc.authorize' } });
  });

  it('issues a code to a listed user', async () => {
    const { browser, user } = await signedIn();
    const app = await oidcApp({ access: { users: [user.id] } });
    expect(await codeFor(browser, app)).toBeTruthy();
  });
});

describe('the OIDC token endpoint', () => {
  it('refuses to refresh once the user is removed from the group, and ends the grant', async () => {
    const group = unique('crm');
    const app = await oidcApp({ access: { groups: [group] } });
    const { browser, user } = await signedIn({ groups: [group] });
    const code = await codeFor(browser, app, { scope: 'openid offline_access' });
    const tokens = (await (await redeem(app, code)).json()) as TokenResponse;
    expect(tokens.refresh_token).toBeTruthy();
    const first = (await (await refreshWith(app, tokens.refresh_token!)).json()) as TokenResponse;
    expect(first.refresh_token).toBeTruthy();

    await admin('PATCH', `/users/${user.id}`, { groups: [] });
    const refused = await refreshWith(app, first.refresh_token!);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_grant');
    const events = await auditUntil(`type=access.denied&target=${app.client_id}`, (e) => e.length > 0);
    expect(events[0]).toMatchObject({ actor: user.id, detail: { via: 'oidc.token' } });

    // Let back in: the old family stays ended (sign in again), but a new sign-in works.
    await admin('PATCH', `/users/${user.id}`, { groups: [group] });
    expect((await refreshWith(app, first.refresh_token!)).status).toBe(400);
    expect(await codeFor(browser, app)).toBeTruthy();
  });
});

describe('My apps', () => {
  it('lists exactly the apps the user may open', async () => {
    const group = unique('eng');
    const open = await createApp({ name: unique('Open') });
    const mine = await createApp({ name: unique('Mine'), access: { groups: [group] } });
    const notMine = await createApp({ name: unique('NotMine'), access: { groups: [unique('other')] } });
    const { browser, user } = await signedIn({ groups: [group] });
    const byUser = await createApp({ name: unique('ByUser'), access: { users: [user.id] } });
    const html = await (await browser.fetch('/my-apps')).text();
    for (const app of [open, mine, byUser]) expect(html).toContain(`>${app.name as string}</a>`);
    expect(html).not.toContain(notMine.name as string);
    // And each listed app really lets them in, the unlisted one does not.
    expect((await delivered(await browser.fetch(`/sso/jwt/${byUser.client_id}`))).params.id_token).toBeTruthy();
    expect((await browser.fetch(`/sso/jwt/${notMine.client_id}`)).status).toBe(403);
  });
});

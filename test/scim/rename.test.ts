// A group renamed over SCIM (Entra ID sends PATCH replace displayName; Okta PUTs the whole group)
// is renamed in the access rules that name it, in the same transaction: the same people keep the
// same apps, in live sessions and new sign-ins alike, and the rename is audited with the rules it
// changed. A rename onto a name another group has is a 409 that changes nothing.
import { describe, expect, it } from 'vitest';
import { admin, auditUntil, Browser, createApp, createUser, delivered, PASSWORD, unique } from '../helpers';
import { GROUP_SCHEMA, PATCH_OP, scim, scimJson, scimToken } from './support';

const claims = (idToken: string) => JSON.parse(atob(idToken.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { groups?: string[] };
const accessOf = async (clientId: string) => ((await (await admin('GET', `/apps/${clientId}`)).json()) as { access: unknown }).access;

/** A pushed group with one member, an app only it may open, and the member signed in to that app. */
async function groupWithApp() {
  const { token } = await scimToken({ name: unique('Entra ID') });
  const member = await createUser();
  const outsider = await createUser();
  const name = unique('Payroll');
  const group = await scimJson(await scim(token, 'POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: name, members: [{ value: member.id }] }), 201);
  const app = await createApp({ access: { groups: [name], users: [] } });
  const other = await createApp({ access: { groups: ['someone-else', name], users: [outsider.id] } });
  const sso = (a: { client_id: string; redirect_urls: string[] }) => `/sso/jwt/${a.client_id}?redirect_uri=${encodeURIComponent(a.redirect_urls[0]!)}`;
  const browser = new Browser();
  const { params } = await delivered(await browser.signInThrough(sso(app), member.email, PASSWORD));
  expect(claims(params.id_token!).groups).toEqual([name]);
  return { token, member, outsider, name, group, app, other, sso, browser };
}

/** The member still opens the app (live session and a new sign-in) with the new group name; the outsider does not. */
async function expectSamePeople(ctx: Awaited<ReturnType<typeof groupWithApp>>, to: string) {
  const live = await delivered(await ctx.browser.fetch(ctx.sso(ctx.app)));
  expect(claims(live.params.id_token!).groups).toEqual([to]);
  const fresh = await delivered(await new Browser().signInThrough(ctx.sso(ctx.app), ctx.member.email, PASSWORD));
  expect(claims(fresh.params.id_token!).groups).toEqual([to]);
  expect((await new Browser().signInThrough(ctx.sso(ctx.app), ctx.outsider.email, PASSWORD)).status).toBe(403);
}

describe('a SCIM group rename', () => {
  it('PATCH replace displayName (Entra ID) renames it in the access rules: the member keeps the app, the outsider still has none', async () => {
    const ctx = await groupWithApp();
    const to = unique('Payroll EMEA');
    const res = await scim(ctx.token, 'PATCH', `/Groups/${ctx.group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'displayName', value: to }] });
    expect(res.status).toBe(204); // as Entra ID's documentation asks (src/scim/routes.ts)
    expect(await accessOf(ctx.app.client_id)).toEqual({ groups: [to], users: [] });
    expect(await accessOf(ctx.other.client_id)).toEqual({ groups: ['someone-else', to], users: [ctx.outsider.id] });
    await expectSamePeople(ctx, to);
    const [event] = await auditUntil(`type=group.update&user=${ctx.group.id}`, (events) => events.some((e) => (e.detail.renamed as object | undefined) !== undefined));
    expect(event!.detail.renamed).toEqual({ from: ctx.name, to, access_rules: expect.arrayContaining([ctx.app.client_id, ctx.other.client_id]) });
  });

  it('PUT with a new displayName (Okta) does the same, and a rule naming both names keeps one', async () => {
    const ctx = await groupWithApp();
    const to = unique('Finance');
    const both = await createApp({ access: { groups: [ctx.name, to], users: [] } });
    const res = await scim(ctx.token, 'PUT', `/Groups/${ctx.group.id}`, { schemas: [GROUP_SCHEMA], id: ctx.group.id, displayName: to, members: [{ value: ctx.member.id }] });
    expect(res.status).toBe(200);
    expect(await accessOf(both.client_id)).toEqual({ groups: [to], users: [] });
    await expectSamePeople(ctx, to);
  });

  it('onto the name of another group: 409, and neither the group, its members nor the rules change', async () => {
    const ctx = await groupWithApp();
    const taken = unique('Taken');
    await scimJson(await scim(ctx.token, 'POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: taken }), 201);
    const res = await scim(ctx.token, 'PATCH', `/Groups/${ctx.group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { displayName: taken } }] });
    expect(await scimJson(res, 409)).toMatchObject({ scimType: 'uniqueness' });
    expect(await accessOf(ctx.app.client_id)).toEqual({ groups: [ctx.name], users: [] });
    expect((await scimJson(await scim(ctx.token, 'GET', `/Groups/${ctx.group.id}`), 200)).displayName).toBe(ctx.name);
    await expectSamePeople(ctx, ctx.name);
  });
});

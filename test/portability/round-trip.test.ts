// Export → import into a fresh deployment (its own, empty D1 and KV: vitest.config.ts's FRESH_DB
// and FRESH_KV) of what SAML and SCIM added: a SAML app arrives with its SP settings and the same
// persistent NameIDs, a SCIM token authenticates at /scim/v2 there, and groups with their members
// and the access rules naming them hold. A second import reports all of it as already there.
import { applyD1Migrations, createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { forgetAllApps } from '../../src/apps/cache';
import { samlApps } from '../../src/db/schema';
import { database } from '../../src/db/client';
import { sha256Hex } from '../../src/lib/encoding';
import { NS, onlyChild, parseXml, textOf } from '../../src/lib/xml';
import worker from '../../src/index';
import { eq } from 'drizzle-orm';
import { admin, ADMIN_TOKEN, Browser, createApp, createUser, delivered, ORIGIN, PASSWORD, unique } from '../helpers';
import { authnRequestXml, postedResponse, redirectPath, samlApp } from '../saml/support';
import { GROUP_SCHEMA, scim, scimJson, scimToken, USER_SCHEMA } from '../scim/support';

const PASSPHRASE = 'a passphrase long enough for the test';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

/** The fresh deployment: the same Worker with its own storage. */
const target = { ...env, DB: env.FRESH_DB, KV: env.FRESH_KV };

async function callTarget(path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(new URL(path, ORIGIN), { redirect: 'manual', ...init }), target, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

function adminTarget(method: string, path: string, body?: unknown): Promise<Response> {
  return callTarget(`/api/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** Signs in through an SP-initiated SAML request and returns the NameID of the Response posted to the ACS. */
async function samlNameId(browser: Browser, sp: { entityId: string; acs: string }, email: string): Promise<{ target: string; nameId: string; format: string }> {
  const res = await browser.signInThrough(await redirectPath(authnRequestXml({ issuer: sp.entityId, acs: sp.acs })), email, PASSWORD);
  const posted = await postedResponse(res);
  if (!posted) throw new Error(`no SAML Response: ${res.status} ${(await res.text()).slice(0, 300)}`);
  const assertion = onlyChild(parseXml(posted.xml).documentElement!, NS.saml, 'Assertion')!;
  const nameId = onlyChild(onlyChild(assertion, NS.saml, 'Subject')!, NS.saml, 'NameID')!;
  return { target: posted.target, nameId: textOf(nameId), format: nameId.getAttribute('Format') ?? '' };
}

// Each export and import derives an Argon2id key (64 MiB, t=3): seconds on a busy machine.
describe('export and import of SAML apps, SCIM tokens and users, and groups', { timeout: 60_000 }, () => {
  const group = unique('engineers');
  let document: any;
  let sp: Awaited<ReturnType<typeof samlApp>>;
  let token: { id: string; token: string; name: string };
  let restricted: Awaited<ReturnType<typeof createApp>>;
  let member: { id: string; email: string };
  let outsider: { id: string; email: string };
  let provisioned: { id: string; userName: string };
  let nameIdAtSource = '';

  beforeAll(async () => {
    await applyD1Migrations(env.FRESH_DB, env.TEST_MIGRATIONS);
    // The source deployment: a SAML app (persistent NameIDs), a SCIM token that provisioned a user
    // and a group, and an app only that group may open.
    sp = await samlApp({ nameIdFormat: PERSISTENT }, { name: 'Moved SAML app' });
    token = await scimToken({ name: unique('Entra ID') });
    member = await createUser();
    outsider = await createUser();
    provisioned = await scimJson(await scim(token.token, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: `${unique('scim')}@example.com`, externalId: unique('oid'), active: true }), 201);
    await scimJson(await scim(token.token, 'POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: group, externalId: unique('gid'), members: [{ value: member.id }, { value: provisioned.id }] }), 201);
    restricted = await createApp({ name: 'Engineers only', access: { groups: [group], users: [] } });
    nameIdAtSource = (await samlNameId(new Browser(), sp, member.email)).nameId;

    const res = await admin('POST', '/export', { passphrase: PASSPHRASE });
    document = await json(res);
  }, 120_000);

  it('the export carries the new tables, their secrets sealed under the passphrase, never in clear', async () => {
    expect(document.tables.saml_apps.find((r: any) => r.clientId === sp.app.client_id)).toMatchObject({ entityId: sp.entityId, nameIdFormat: 'persistent' });
    expect(document.tables.scim_tokens.find((r: any) => r.id === token.id)).toMatchObject({ name: token.name });
    expect(document.tables.scim_users.find((r: any) => r.userId === provisioned.id)).toMatchObject({ userName: provisioned.userName });
    expect(document.tables.groups.find((r: any) => r.name === group)).toMatchObject({ origin: 'scim' });
    const text = JSON.stringify(document);
    const [settings] = await database(env.DB).select().from(samlApps).where(eq(samlApps.clientId, sp.app.client_id));
    expect(text).not.toContain(settings!.pseudonymKey);
    expect(text).not.toContain(await sha256Hex(token.token));
    expect(text).not.toContain(token.token);
  });

  it('imports into a fresh deployment, where the SAML app, the SCIM token and the groups work', async () => {
    const report = await json(await adminTarget('POST', '/import', { passphrase: PASSPHRASE, document }));
    expect(report.imported).toMatchObject({
      saml_apps: document.tables.saml_apps.length,
      scim_tokens: document.tables.scim_tokens.length,
      scim_users: document.tables.scim_users.length,
      groups: document.tables.groups.length,
    });
    expect(report.existing).toMatchObject({ apps: [], users: [], scim_tokens: [], groups: [] });
    forgetAllApps(); // nothing the source's requests cached in this isolate answers for the target

    // The SAML app's SP settings are intact, and its persistent NameIDs unchanged (the pseudonym key moved).
    const source = await json(await admin('GET', `/apps/${sp.app.client_id}`));
    const moved = await json(await adminTarget('GET', `/apps/${sp.app.client_id}`));
    expect(moved.type).toBe('saml');
    expect(moved.saml).toEqual(source.saml);
    expect(moved.saml.acs_urls).toEqual([sp.acs]);
    const signedIn = await samlNameId(new Browser(callTarget), sp, member.email);
    expect(signedIn).toEqual({ target: sp.acs, nameId: nameIdAtSource, format: PERSISTENT });

    // The SCIM token authenticates there and sees the provisioned user and the group's members.
    const found = await scimJson(await callTarget(`/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${provisioned.userName}"`)}`, { headers: { authorization: `Bearer ${token.token}` } }), 200);
    expect(found.Resources.map((u: any) => u.id)).toEqual([provisioned.id]);
    const groups = await scimJson(await callTarget(`/scim/v2/Groups?filter=${encodeURIComponent(`displayName eq "${group}"`)}`, { headers: { authorization: `Bearer ${token.token}` } }), 200);
    expect(groups.Resources).toHaveLength(1);
    expect(groups.Resources[0].members.map((m: any) => m.value).sort()).toEqual([member.id, provisioned.id].sort());
    expect((await callTarget('/scim/v2/Users', { headers: { authorization: `Bearer scim_${'x'.repeat(43)}` } })).status).toBe(401);

    // The access rule naming the group holds: a member gets the app, someone outside it does not.
    const sso = `/sso/jwt/${restricted.client_id}?redirect_uri=${encodeURIComponent(restricted.redirect_urls[0]!)}`;
    const { params } = await delivered(await new Browser(callTarget).signInThrough(sso, member.email, PASSWORD));
    expect(params.id_token).toBeTruthy();
    expect((await new Browser(callTarget).signInThrough(sso, outsider.email, PASSWORD)).status).toBe(403);
  });

  it('a second import reports the SAML app, SCIM token and groups as already there and writes none of them', async () => {
    const report = await json(await adminTarget('POST', '/import', { passphrase: PASSPHRASE, document }));
    expect(report.imported).toMatchObject({ apps: 0, saml_apps: 0, scim_tokens: 0, scim_users: 0, groups: 0, users: 0 });
    expect(report.existing.apps).toEqual(expect.arrayContaining([sp.app.client_id, restricted.client_id]));
    expect(report.existing.scim_tokens).toEqual(expect.arrayContaining([token.name]));
    expect(report.existing.groups).toEqual(expect.arrayContaining([group]));
  });

  it('a SAML app whose entity ID another app there already has is reported and left alone, with its settings', async () => {
    const entityId = `https://${unique('sp')}.example.com/saml`;
    const here = await json(await adminTarget('POST', '/apps', { name: 'Target SP', type: 'saml', saml: { entity_id: entityId, acs_url: 'https://target-sp.example.com/acs' } }), 201);
    const other = await samlApp({ entityId }, { name: 'Source SP, same entity' });
    const doc = await json(await admin('POST', '/export', { passphrase: PASSPHRASE }));
    const report = await json(await adminTarget('POST', '/import', { passphrase: PASSPHRASE, document: doc }));
    expect(report.existing.apps).toContain(other.app.client_id);
    expect(report.imported.saml_apps).toBe(0);
    expect((await adminTarget('GET', `/apps/${other.app.client_id}`)).status).toBe(404);
    expect((await json(await adminTarget('GET', `/apps/${here.client_id}`))).saml.acs_urls).toEqual(['https://target-sp.example.com/acs']);
  });
});

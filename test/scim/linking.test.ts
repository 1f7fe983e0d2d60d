// Linking a provisioned user to the identity source the same people sign in through. A token
// paired with an Entra ID source turns externalId (the object id, when Entra's mapping sends it)
// into the link (source, tid:oid), so the first sign-in there lands on the provisioned account;
// an Okta source takes its user id as is. Without a pairing, the source's own rules decide
// (a verified email links only where the source is trusted for it).
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { inArray } from 'drizzle-orm';
import { database } from '../../src/db/client';
import { groups } from '../../src/db/schema';
import { listIdentities, resolveAccount } from '../../src/federation/accounts';
import { mapProfile, profileFromClaims } from '../../src/federation/mapping';
import { parseNewSource } from '../../src/federation/input';
import { createSource } from '../../src/federation/store';
import { createUser, unique } from '../helpers';
import { pruneUnusedSourceGroups } from '../../src/users/groups';
import { scim, scimJson, scimToken, USER_SCHEMA } from './support';
import { keyring } from '../../src/lib/secret-box';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

async function source(fields: Record<string, unknown>) {
  const slug = unique('src').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40);
  return (await createSource(database(env.DB), keyring(env), parseNewSource({ slug, name: 'Upstream', client_id: 'edge', client_secret: 's', ...fields }))).source;
}

async function signInFrom(src: Awaited<ReturnType<typeof source>>, subject: string, claims: Record<string, unknown>) {
  const upstream = profileFromClaims(claims, subject, src.group_map.claim);
  return resolveAccount(env, src, upstream, mapProfile(upstream, src.claim_map, src.group_map));
}

describe('linking provisioned users to the paired identity source', () => {
  it('Entra ID: externalId = object id links (source, tid:oid), and the first sign-in lands on the provisioned account', async () => {
    const entra = await source({ type: 'entra', tenant: TENANT, provisioning: 'existing' });
    const { token } = await scimToken({ name: 'Entra ID', identity_source: entra.slug });
    const oid = crypto.randomUUID();
    const email = `${unique('ada')}@contoso.example`;
    const created = await scimJson(await scim(token, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: email, externalId: oid, active: true }), 201);

    // Upstream sends a different email, unverified: only the subject can link it.
    const outcome = await signInFrom(entra, `${TENANT}:${oid}`, { sub: 'pairwise-sub', email: `someone-else-${oid}@contoso.example`, email_verified: false });
    expect(outcome).toMatchObject({ ok: true, decision: 'linked' });
    expect(outcome.ok && outcome.user.id).toBe(created.id);
    expect(await listIdentities(database(env.DB), created.id)).toEqual([expect.objectContaining({ source: entra.slug, subject: `${TENANT}:${oid}` })]);
  });

  it('a new externalId replaces the link provisioning made; a link another account has stays with it', async () => {
    const entra = await source({ type: 'entra', tenant: TENANT, provisioning: 'existing' });
    const { token } = await scimToken({ name: 'Entra ID', identity_source: entra.slug });
    const [first, second] = [crypto.randomUUID(), crypto.randomUUID()];
    const a = await scimJson(await scim(token, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: `${unique('a')}@contoso.example`, externalId: first, active: true }), 201);
    await scimJson(await scim(token, 'PATCH', `/Users/${a.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'externalId', value: second }] }), 200);
    expect((await listIdentities(database(env.DB), a.id)).map((i) => i.subject)).toEqual([`${TENANT}:${second}`]);
    const b = await scimJson(await scim(token, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: `${unique('b')}@contoso.example`, externalId: second, active: true }), 201);
    expect(await listIdentities(database(env.DB), b.id)).toEqual([]);
  });

  it("an administrator is never linked: a token holder pointing an admin's externalId at their own upstream account does not sign in as the admin", async () => {
    const okta = await source({ type: 'okta', domain: 'dev-123456.okta.com', provisioning: 'existing' });
    const { token } = await scimToken({ name: 'Okta', identity_source: okta.slug });
    const root = await createUser({ email: `${unique('root')}@example.com`, roles: ['admin'] });
    const attackersOktaId = `00u${crypto.randomUUID().replace(/-/g, '').slice(0, 17)}`;
    const patched = await scim(token, 'PATCH', `/Users/${root.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'externalId', value: attackersOktaId }],
    });
    expect(patched.status).toBe(200);
    expect(await listIdentities(database(env.DB), root.id)).toEqual([]);
    const outcome = await signInFrom(okta, attackersOktaId, { sub: attackersOktaId, email: 'attacker@okta.local', email_verified: true });
    expect(outcome.ok && outcome.user.id).not.toBe(root.id);
  });

  it('Okta: the Okta user id in externalId is the subject', async () => {
    const okta = await source({ type: 'okta', domain: 'dev-123456.okta.com', provisioning: 'existing' });
    const { token } = await scimToken({ name: 'Okta', identity_source: okta.slug });
    const oktaId = `00u${crypto.randomUUID().replace(/-/g, '').slice(0, 17)}`;
    const created = await scimJson(await scim(token, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: `${unique('test.user')}@okta.local`, externalId: oktaId, active: true }), 201);
    const outcome = await signInFrom(okta, oktaId, { sub: oktaId, email: 'x@okta.local', email_verified: true });
    expect(outcome.ok && outcome.user.id).toBe(created.id);
  });

  it('a deprovisioned (inactive) user is refused at the source, not re-created', async () => {
    const okta = await source({ type: 'okta', domain: 'dev-654321.okta.com', provisioning: 'create' });
    const { token } = await scimToken({ name: 'Okta', identity_source: okta.slug });
    const oktaId = `00u${crypto.randomUUID().replace(/-/g, '').slice(0, 17)}`;
    await scimJson(await scim(token, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: `${unique('gone')}@okta.local`, externalId: oktaId, active: false }), 201);
    expect(await signInFrom(okta, oktaId, { sub: oktaId, email: 'gone@okta.local', email_verified: true })).toEqual({ ok: false, reason: 'disabled' });
  });

  it('Entra ID with the default mapping (externalId = mailNickname) links nothing; a verified email links where the source trusts it', async () => {
    const entra = await source({ type: 'entra', tenant: TENANT, provisioning: 'existing', trust_email_for_linking: true });
    const { token } = await scimToken({ name: 'Entra ID', identity_source: entra.slug });
    const email = `${unique('bob')}@contoso.example`;
    const created = await scimJson(await scim(token, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: email, externalId: 'bob', active: true }), 201);
    const oid = crypto.randomUUID();
    const outcome = await signInFrom(entra, `${TENANT}:${oid}`, { email, email_verified: true });
    expect(outcome).toMatchObject({ ok: true, decision: 'link' });
    expect(outcome.ok && outcome.user.id).toBe(created.id);
  });

  it('without a pairing and without trust for email, the source refuses rather than linking by email alone', async () => {
    const entra = await source({ type: 'entra', tenant: TENANT, provisioning: 'existing' });
    const { token } = await scimToken({ name: 'Entra ID' });
    const email = `${unique('eve')}@contoso.example`;
    await scimJson(await scim(token, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: email, externalId: crypto.randomUUID(), active: true }), 201);
    expect(await signInFrom(entra, `${TENANT}:${crypto.randomUUID()}`, { email, email_verified: true })).toEqual({ ok: false, reason: 'email_in_use' });
  });

  it("a sign-in's group claim keeps the groups SCIM pushed, and records its own groups as the source's", async () => {
    const okta = await source({ type: 'okta', domain: 'dev-777777.okta.com', provisioning: 'existing', group_map: { claim: 'groups', prefix: '', rename: {} } });
    const { token } = await scimToken({ name: 'Okta', identity_source: okta.slug });
    const oktaId = `00u${crypto.randomUUID().replace(/-/g, '').slice(0, 17)}`;
    const user = await scimJson(await scim(token, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: `${unique('g')}@okta.local`, externalId: oktaId, active: true }), 201);
    const pushed = unique('Pushed');
    const group = await scimJson(await scim(token, 'POST', '/Groups', { displayName: pushed, members: [{ value: user.id }] }), 201);
    const fromClaim = unique('FromClaim');
    const outcome = await signInFrom(okta, oktaId, { sub: oktaId, email: 'x@okta.local', groups: [fromClaim] });
    expect(outcome.ok && [...outcome.user.groups].sort()).toEqual([fromClaim, pushed].sort());
    const rows = await database(env.DB).select().from(groups).where(inArray(groups.name, [pushed, fromClaim]));
    expect(rows.map((r) => [r.name, r.origin, r.source]).sort()).toEqual([[fromClaim, 'source', okta.slug], [pushed, 'scim', null]].sort());
    expect(group.id).toBeTruthy();
  });
});

describe('pruning groups a source brought', () => {
  it('forgets a source group nobody has a day after it was first seen; keeps used, recent and SCIM groups', async () => {
    const db = database(env.DB);
    const now = Math.floor(Date.now() / 1000);
    const [unused, used, recent, pushed] = [unique('unused'), unique('used'), unique('recent'), unique('pushed')];
    await db.insert(groups).values([
      { id: crypto.randomUUID(), name: unused, origin: 'source', source: 'x', createdAt: now - 2 * 86_400, updatedAt: now },
      { id: crypto.randomUUID(), name: used, origin: 'source', source: 'x', createdAt: now - 2 * 86_400, updatedAt: now },
      { id: crypto.randomUUID(), name: recent, origin: 'source', source: 'x', createdAt: now, updatedAt: now },
      { id: crypto.randomUUID(), name: pushed, origin: 'scim', createdAt: now - 2 * 86_400, updatedAt: now },
    ]);
    await createUser({ groups: [used] });
    expect(await pruneUnusedSourceGroups(db, now)).toBeGreaterThanOrEqual(1);
    const left = (await db.select({ name: groups.name }).from(groups).where(inArray(groups.name, [unused, used, recent, pushed]))).map((r) => r.name);
    expect(left.sort()).toEqual([used, recent, pushed].sort());
  });
});

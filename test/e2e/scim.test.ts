// End to end: the request sequences Entra ID and Okta send to a SCIM service provider, replayed as
// their documentation shows them against a real `wrangler dev`, with a real HTTP listener as an
// app's back-channel logout endpoint. One worker for the file.
//
// Entra ID: "SCIM protocol requests and responses", in "Tutorial: Develop and plan provisioning for
//   a SCIM endpoint in Microsoft Entra ID":
//   https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups#scim-protocol-requests-and-responses
// Okta: "SCIM 2.0 Protocol Reference" (Okta and SCIM Version 2.0):
//   https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startLocalWorker, stopAll, withDiagnostics, type LocalWorker } from './support';

let worker: LocalWorker;
let token: string;
let backchannel: { server: Server; url: string; received: string[] };

beforeAll(async () => {
  worker = await startLocalWorker();
  token = (await worker.api<{ token: string }>('POST', '/scim/tokens', { name: 'Entra ID' })).token;
  const port = await freePort();
  const received: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push(new URLSearchParams(body).get('logout_token') ?? '');
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  backchannel = { server, url: `http://127.0.0.1:${port}/backchannel-logout`, received };
});

afterAll(async () => {
  backchannel?.server.close();
  await stopAll();
});

const diagnose = <T>(fn: () => Promise<T>) => withDiagnostics(fn, { sources: () => [worker] });

/** A request as the SCIM client sends it (path relative to <issuer>/scim/v2). */
async function scim(method: string, path: string, body?: unknown, bearer = token): Promise<{ status: number; json: any; contentType: string }> {
  const res = await fetch(`${worker.url}/scim/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, accept: 'application/scim+json', 'user-agent': 'Okta SCIM Client 1.0.0', ...(body ? { 'content-type': 'application/scim+json; charset=utf-8' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, contentType: res.headers.get('content-type') ?? '' };
}

/** Signs in through an app's SSO URL with a password, as a browser would (cookies by hand). Returns the session cookie. */
async function signIn(clientId: string, email: string, password: string): Promise<string> {
  const cookies = new Map<string, string>();
  const go = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(new URL(path, worker.url), { redirect: 'manual', ...init, headers: { ...(init.headers as Record<string, string>), cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [k, v] = pair!.split('=') as [string, string];
      cookies.set(k.trim(), v);
    }
    return res;
  };
  const start = await go(`/sso/jwt/${clientId}`);
  const login = await go(start.headers.get('location')!);
  const html = await login.text();
  const hidden = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]));
  const posted = await go('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: worker.url }, body: new URLSearchParams({ ...hidden, email, password }) });
  expect(posted.status).toBe(303);
  const landed = await go(posted.headers.get('location')!);
  expect([200, 303]).toContain(landed.status);
  const session = [...cookies].find(([k]) => k.includes('session'));
  expect(session).toBeTruthy();
  return `${session![0]}=${session![1]}`;
}

describe('Microsoft Entra ID provisioning sequence', () => {
  let userId = '';
  let groupId = '';

  it('connectivity test and "Get User by query - Zero results" answer an empty ListResponse', () =>
    diagnose(async () => {
      for (const path of ['/Users?filter=userName eq "non-existent user"', '/Users?filter=', '/Users?filter=userName+eq+%22Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee%22']) {
        const res = await scim('GET', path);
        expect(res.status, path).toBe(200);
        expect(res.contentType).toMatch(/^application\/scim\+json/);
        expect(res.json).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], startIndex: 1 });
      }
      expect((await scim('GET', '/Users?filter=userName eq "non-existent user"')).json).toMatchObject({ totalResults: 0, Resources: [] });
      expect((await scim('GET', '/Schemas')).json.Resources).toHaveLength(3);
    }));

  it('Create User, Get User, Get User by query', () =>
    diagnose(async () => {
      const created = await scim('POST', '/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
        externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
        userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
        active: true,
        emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com' }],
        meta: { resourceType: 'User' },
        name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
        roles: [],
      });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({
        schemas: expect.arrayContaining(['urn:ietf:params:scim:schemas:core:2.0:User']),
        externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
        userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
        name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
        active: true,
        emails: [{ value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com', type: 'work', primary: true }],
        meta: { resourceType: 'User' },
      });
      userId = created.json.id;
      expect((await scim('GET', `/Users/${userId}`)).json.id).toBe(userId);
      const missing = await scim('GET', '/Users/5171a35d82074e068ce2');
      expect(missing.status).toBe(404);
      expect(missing.json).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404' });
      const query = await scim('GET', '/Users?filter=userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"');
      expect(query.json).toMatchObject({ totalResults: 1, Resources: [{ id: userId }] });
      const byEmail = await scim('GET', `/Users?filter=${encodeURIComponent('emails[type eq "work"].value eq "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"')}`);
      expect(byEmail.json.totalResults).toBe(1);
    }));

  it('Update User [Multi-valued properties] and [Single-valued properties]', () =>
    diagnose(async () => {
      const multi = await scim('PATCH', `/Users/${userId}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
          { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        ],
      });
      expect(multi.status).toBe(200);
      expect(multi.json).toMatchObject({ name: { familyName: 'updatedFamilyName', givenName: 'givenName' }, emails: [{ value: 'updatedEmail@microsoft.com', type: 'work', primary: true }] });
      const single = await scim('PATCH', `/Users/${userId}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'Replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' }],
      });
      expect(single.status).toBe(200);
      expect(single.json.userName).toBe('5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
      // The email-shaped userName is now the sign-in email.
      expect((await worker.api<{ email: string }>('GET', `/users/${userId}`)).email).toBe('5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
    }));

  it('Create Group, Get Group, Get Group by displayName, Update Group [Non-member attributes], [Add Members], [Remove Members]', () =>
    diagnose(async () => {
      const created = await scim('POST', '/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
        externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
        displayName: 'displayName',
        meta: { resourceType: 'Group' },
      });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', displayName: 'displayName', members: [], meta: { resourceType: 'Group' } });
      groupId = created.json.id;
      const got = await scim('GET', `/Groups/${groupId}?excludedAttributes=members`);
      expect(got.json).not.toHaveProperty('members');
      const found = await scim('GET', '/Groups?excludedAttributes=members&filter=displayName eq "displayName"');
      expect(found.json).toMatchObject({ totalResults: 1, Resources: [{ id: groupId, displayName: 'displayName' }] });

      const renamed = '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName';
      const ops = [
        [{ op: 'Replace', path: 'displayName', value: renamed }],
        [{ op: 'Add', path: 'members', value: [{ $ref: null, value: userId }] }],
      ];
      for (const Operations of ops) expect((await scim('PATCH', `/Groups/${groupId}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations })).status).toBe(204);
      expect((await worker.api<{ groups: string[] }>('GET', `/users/${userId}`)).groups).toEqual([renamed]);
      expect((await scim('GET', `/Users/${userId}`)).json.groups).toEqual([expect.objectContaining({ value: groupId, display: renamed })]);
      const removed = await scim('PATCH', `/Groups/${groupId}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: userId }] }] });
      expect(removed.status).toBe(204);
      expect((await worker.api<{ groups: string[] }>('GET', `/users/${userId}`)).groups).toEqual([]);
    }));

  it('Disable User, Delete User, Delete Group', () =>
    diagnose(async () => {
      const disabled = await scim('PATCH', `/Users/${userId}`, { Operations: [{ op: 'Replace', path: 'active', value: false }], schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'] });
      expect(disabled.status).toBe(200);
      expect(disabled.json.active).toBe(false);
      const filtered = await scim('GET', '/Users?filter=userName eq "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"');
      expect(filtered.json.Resources[0].active).toBe(false);
      expect((await scim('DELETE', `/Users/${userId}`)).status).toBe(204);
      expect((await scim('GET', `/Users/${userId}`)).status).toBe(404);
      expect((await scim('DELETE', `/Groups/${groupId}`)).status).toBe(204);
      expect((await scim('GET', `/Groups/${groupId}`)).status).toBe(404);
    }));
});

describe('Okta provisioning sequence', () => {
  let userId = '';
  let otherId = '';
  let groupId = '';

  it('test connection (GET /Users?startIndex=1&count=2) and "Determine if the User already exists"', () =>
    diagnose(async () => {
      const connection = await scim('GET', '/Users?startIndex=1&count=2');
      expect(connection.status).toBe(200);
      expect(connection.json).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], startIndex: 1 });
      expect(typeof connection.json.itemsPerPage).toBe('number');
      expect(typeof connection.json.totalResults).toBe('number');
      const exists = await scim('GET', '/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100');
      expect(exists.json).toMatchObject({ totalResults: 0, Resources: [] });
    }));

  it('Create the User (with its password), Retrieve a specific User, Update a specific User (PUT)', () =>
    diagnose(async () => {
      const created = await scim('POST', '/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'test.user@okta.local',
        name: { givenName: 'Test', familyName: 'User' },
        emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
        displayName: 'Test User',
        locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7',
        groups: [],
        password: '1mz050nq',
        active: true,
      });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ userName: 'test.user@okta.local', displayName: 'Test User', locale: 'en-US', externalId: '00ujl29u0le5T6Aj10h7', active: true, groups: [], meta: { resourceType: 'User' } });
      expect(created.json).not.toHaveProperty('password');
      userId = created.json.id;
      // "If the User object that Okta tries to create already exists … respond with an error schema"
      const again = await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'test.user@okta.local', active: true });
      expect(again.status).toBe(409);
      expect(again.json).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '409', scimType: 'uniqueness' });

      const current = await scim('GET', `/Users/${userId}`);
      const put = await scim('PUT', `/Users/${userId}`, { ...current.json, name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' } });
      expect(put.status).toBe(200);
      expect(put.json).toMatchObject({ id: userId, name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' }, active: true });
      otherId = (await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'other.user@okta.local', active: true })).json.id;
    }));

  it('Retrieve Users page by page with startIndex and count', () =>
    diagnose(async () => {
      const all = await scim('GET', '/Users?startIndex=1&count=100');
      const ids = all.json.Resources.map((r: { id: string }) => r.id);
      const paged: string[] = [];
      for (let start = 1; start <= all.json.totalResults; start += 1) paged.push(...(await scim('GET', `/Users?startIndex=${start}&count=1`)).json.Resources.map((r: { id: string }) => r.id));
      expect(paged).toEqual(ids);
      expect(ids).toEqual(expect.arrayContaining([userId, otherId]));
    }));

  it('Create Groups, Retrieve Groups, Update a specific Group name, Update specific Group membership, Delete', () =>
    diagnose(async () => {
      const created = await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Test SCIMv2', members: [] });
      expect(created.status).toBe(201);
      groupId = created.json.id;
      expect((await scim('GET', '/Groups?startIndex=1&count=100')).json.Resources.map((g: { id: string }) => g.id)).toContain(groupId);
      const patch = (Operations: unknown[]) => scim('PATCH', `/Groups/${groupId}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations });
      expect((await patch([{ op: 'replace', value: { id: groupId, displayName: 'Test SCIMv20' } }])).status).toBe(204);
      expect((await patch([{ op: 'remove', path: `members[value eq "${otherId}"]` }, { op: 'add', path: 'members', value: [{ value: userId, display: 'test.user@okta.local' }] }])).status).toBe(204);
      expect((await scim('GET', `/Groups/${groupId}`)).json).toMatchObject({ displayName: 'Test SCIMv20', members: [{ value: userId, display: 'test.user@okta.local' }] });
      expect((await patch([{ op: 'replace', path: 'members', value: [{ value: userId, display: 'test.user@okta.local' }, { value: otherId, display: 'other.user@okta.local' }] }])).status).toBe(204);
      expect((await scim('GET', `/Groups/${groupId}`)).json.members.map((m: { value: string }) => m.value).sort()).toEqual([userId, otherId].sort());
      expect((await scim('DELETE', `/Groups/${groupId}`)).status).toBe(204);
      expect((await worker.api<{ groups: string[] }>('GET', `/users/${userId}`)).groups).toEqual([]);
    }));

  it('Deactivating the user (PATCH active false) signs them out everywhere and the app hears it by back-channel logout', () =>
    diagnose(async () => {
      const app = await worker.api<{ client_id: string }>('POST', '/apps', { name: 'Back-channel app', redirect_urls: ['http://127.0.0.1:9/callback'], backchannel_logout_uri: backchannel.url });
      // The password Okta pushed signs in.
      const cookie = await signIn(app.client_id, 'test.user@okta.local', '1mz050nq');
      const deactivated = await scim('PATCH', `/Users/${userId}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] });
      expect(deactivated.status).toBe(200);
      expect(deactivated.json.active).toBe(false);
      for (let i = 0; i < 100 && backchannel.received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(backchannel.received).toHaveLength(1);
      const claims = JSON.parse(Buffer.from(backchannel.received[0]!.split('.')[1]!, 'base64url').toString());
      expect(claims).toMatchObject({ sub: userId, aud: app.client_id, iss: worker.url });
      const after = await fetch(`${worker.url}/sso/jwt/${app.client_id}`, { redirect: 'manual', headers: { cookie } });
      expect(after.status).toBe(303);
      expect(after.headers.get('location')).toMatch(/^\/login/);
    }));

  it('refuses a revoked token with 401', () =>
    diagnose(async () => {
      const created = await worker.api<{ id: string; token: string }>('POST', '/scim/tokens', { name: 'Okta' });
      expect((await scim('GET', '/Users', undefined, created.token)).status).toBe(200);
      await fetch(`${worker.url}/api/admin/scim/tokens/${created.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${worker.adminToken}` } });
      expect((await scim('GET', '/Users', undefined, created.token)).status).toBe(401);
    }));
});

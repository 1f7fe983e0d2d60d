// SCIM Users and tokens in workerd: what a SCIM client relies on (status codes, the error schema,
// filters, paging, attributes), one user from parallel POSTs, and tokens that stop working when revoked.
import { describe, expect, it } from 'vitest';
import { admin, auditPageUntil, call, unique } from '../helpers';
import { ENTERPRISE, ERROR_SCHEMA, PATCH_OP, scim, scimJson, scimToken, USER_SCHEMA } from './support';

const newUser = (fields: Record<string, unknown> = {}): Record<string, any> => ({
  schemas: [USER_SCHEMA],
  userName: `${unique('scim')}@example.com`,
  name: { givenName: 'Grace', familyName: 'Hopper' },
  active: true,
  ...fields,
});

describe('SCIM tokens', () => {
  it('are shown once, listed without the token with when each was last used, and 401 once revoked', async () => {
    const created = await scimJson(await admin('POST', '/scim/tokens', { name: 'Okta' }), 201);
    expect(created.token).toMatch(/^scim_/);
    expect(created.scim_base_url).toBe('https://sso.test/scim/v2');

    let listed = (await scimJson(await admin('GET', '/scim/tokens'), 200)).tokens.find((t: { id: string }) => t.id === created.id);
    expect(listed).toMatchObject({ name: 'Okta', last_used_at: null });
    expect(JSON.stringify(listed)).not.toContain(created.token);

    expect((await scim(created.token, 'GET', '/ServiceProviderConfig')).status).toBe(200);
    for (let i = 0; i < 50 && !listed.last_used_at; i++) {
      await new Promise((r) => setTimeout(r, 20));
      listed = (await scimJson(await admin('GET', '/scim/tokens'), 200)).tokens.find((t: { id: string }) => t.id === created.id);
    }
    expect(listed.last_used_at).not.toBeNull();

    expect((await admin('DELETE', `/scim/tokens/${created.id}`)).status).toBe(204);
    const refused = await scim(created.token, 'GET', '/Users');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await refused.json()).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
    expect((await admin('DELETE', `/scim/tokens/${created.id}`)).status).toBe(404);
  });

  it('refuses a missing, wrong or admin token with 401 in the SCIM error schema', async () => {
    for (const header of [undefined, 'Bearer scim_wrong', 'Bearer test-admin-token', 'Basic abc']) {
      const res = await call('/scim/v2/Users', { headers: header ? { authorization: header } : {} });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
      expect(await res.json()).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
    }
  });

  it('need a name, and may only pair with an identity source that exists', async () => {
    expect((await admin('POST', '/scim/tokens', {})).status).toBe(400);
    expect((await admin('POST', '/scim/tokens', { name: 'x', identity_source: 'no-such-source' })).status).toBe(400);
  });
});

describe('discovery', () => {
  it('serves ServiceProviderConfig, ResourceTypes and Schemas as application/scim+json', async () => {
    const { token } = await scimToken();
    const spc = await scim(token, 'GET', '/ServiceProviderConfig');
    expect(spc.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(await spc.json()).toMatchObject({ patch: { supported: true }, filter: { supported: true }, bulk: { supported: false } });
    const types = await scimJson(await scim(token, 'GET', '/ResourceTypes'), 200);
    expect(types.Resources.map((t: { id: string }) => t.id)).toEqual(['User', 'Group']);
    expect(types.Resources[0].schemaExtensions).toEqual([{ schema: ENTERPRISE, required: false }]);
    const schemas = await scimJson(await scim(token, 'GET', '/Schemas'), 200);
    expect(schemas.Resources.map((s: { id: string }) => s.id)).toEqual([USER_SCHEMA, ENTERPRISE, 'urn:ietf:params:scim:schemas:core:2.0:Group']);
    expect((await scim(token, 'GET', `/Schemas/${ENTERPRISE}`)).status).toBe(200);
  });
});

describe('SCIM Users', () => {
  it('creates a user who can be found by userName, externalId, id and email, and audits it with the token name', async () => {
    const { token } = await scimToken({ name: 'Entra ID (prod)' });
    const body = newUser({ externalId: unique('ext'), [ENTERPRISE]: { department: 'Engineering', employeeNumber: '42' }, title: 'Rear Admiral' });
    const res = await scim(token, 'POST', '/Users', body);
    const created = await scimJson(res, 201);
    expect(res.headers.get('location')).toBe(`https://sso.test/scim/v2/Users/${created.id}`);
    expect(created).toMatchObject({ userName: body.userName, externalId: body.externalId, active: true, title: 'Rear Admiral', [ENTERPRISE]: { department: 'Engineering' } });
    expect(created.meta).toMatchObject({ resourceType: 'User', location: res.headers.get('location') });
    expect(created.meta.version).toMatch(/^W\/"/);

    for (const filter of [`userName eq "${body.userName.toUpperCase()}"`, `externalId eq "${body.externalId}"`, `id eq "${created.id}"`, `emails.value eq "${body.userName}"`, `emails[type eq "work"].value eq "${body.userName}"`, `userName eq "${body.userName}" and active eq true`]) {
      const list = await scimJson(await scim(token, 'GET', `/Users?filter=${encodeURIComponent(filter)}`), 200);
      expect(list, filter).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
      expect(list.Resources[0].id).toBe(created.id);
    }
    const user = await scimJson(await admin('GET', `/users/${created.id}`), 200);
    expect(user).toMatchObject({ email: body.userName, given_name: 'Grace', family_name: 'Hopper', name: 'Grace Hopper', disabled: false });

    const page = await auditPageUntil(`type=user.create&user=${created.id}`, (p) => p.events.length > 0);
    expect(page.events[0]).toMatchObject({ actor: 'scim:Entra ID (prod)', target: created.id });
  });

  it('answers a userName in use with 409 uniqueness, and parallel POSTs of one userName create one user', async () => {
    const { token } = await scimToken();
    const body = newUser();
    const results = await Promise.all(Array.from({ length: 6 }, () => scim(token, 'POST', '/Users', body)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    const conflict = await results.find((r) => r.status === 409)!.json();
    expect(conflict).toEqual({ schemas: [ERROR_SCHEMA], status: '409', scimType: 'uniqueness', detail: expect.any(String) });
    const list = await scimJson(await scim(token, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${body.userName}"`)}`), 200);
    expect(list.totalResults).toBe(1);
  });

  it('pages with startIndex and count, and returns only the attributes asked for', async () => {
    const { token } = await scimToken();
    const all = await scimJson(await scim(token, 'GET', '/Users?count=0'), 200);
    expect(all.Resources).toEqual([]);
    expect(all.totalResults).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < 3; i++) await scimJson(await scim(token, 'POST', '/Users', newUser()), 201);
    const total = (await scimJson(await scim(token, 'GET', '/Users?count=0'), 200)).totalResults;
    const first = await scimJson(await scim(token, 'GET', `/Users?startIndex=${total - 2}&count=2`), 200);
    const second = await scimJson(await scim(token, 'GET', `/Users?startIndex=${total}&count=2`), 200);
    expect(first).toMatchObject({ startIndex: total - 2, itemsPerPage: 2, totalResults: total });
    expect(second.itemsPerPage).toBe(1);
    expect(new Set([...first.Resources, ...second.Resources].map((r: { id: string }) => r.id)).size).toBe(3);

    const slim = await scimJson(await scim(token, 'GET', `/Users?count=1&attributes=userName,name.givenName`), 200);
    expect(Object.keys(slim.Resources[0]).sort()).toEqual(['id', 'meta', 'name', 'schemas', 'userName']);
    expect(Object.keys(slim.Resources[0].name)).toEqual(['givenName']);
    const without = await scimJson(await scim(token, 'GET', `/Users?count=1&excludedAttributes=groups,emails`), 200);
    expect(without.Resources[0]).not.toHaveProperty('groups');
    expect(without.Resources[0]).not.toHaveProperty('emails');
    expect(without.Resources[0]).toHaveProperty('userName');
  });

  it('PUT replaces the user with the whole resource, PATCH applies operations as Entra ID and Okta send them', async () => {
    const { token } = await scimToken();
    const created = await scimJson(await scim(token, 'POST', '/Users', newUser()), 201);
    const put = await scimJson(await scim(token, 'PUT', `/Users/${created.id}`, { ...created, name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' } }), 200);
    expect(put.name).toEqual({ givenName: 'Another', middleName: 'Excited', familyName: 'User' });

    const patched = await scimJson(
      await scim(token, 'PATCH', `/Users/${created.id}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updated@example.com' },
          { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
          { op: 'Add', path: `${ENTERPRISE}:department`, value: 'Research' },
          { op: 'add', value: { title: 'Engineer', 'name.givenName': 'Ada' } },
        ],
      }),
      200,
    );
    expect(patched).toMatchObject({ name: { givenName: 'Ada', familyName: 'updatedFamilyName' }, title: 'Engineer', [ENTERPRISE]: { department: 'Research' }, emails: [{ type: 'work', value: 'updated@example.com' }] });
    expect((await scimJson(await admin('GET', `/users/${created.id}`), 200)).family_name).toBe('updatedFamilyName');

    const removed = await scimJson(await scim(token, 'PATCH', `/Users/${created.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'title' }] }), 200);
    expect(removed).not.toHaveProperty('title');
  });

  it('takes active as a boolean or as the strings "True"/"False", in a path or in a value object', async () => {
    const { token } = await scimToken();
    const created = await scimJson(await scim(token, 'POST', '/Users', newUser({ active: 'False' })), 201);
    expect(created.active).toBe(false);
    const steps: [unknown, boolean][] = [
      [{ op: 'Replace', path: 'active', value: 'True' }, true],
      [{ op: 'replace', value: { active: false } }, false],
      [{ op: 'Replace', path: 'active', value: true }, true],
      [{ op: 'Replace', path: 'active', value: 'false' }, false],
    ];
    for (const [operation, active] of steps) {
      const user = await scimJson(await scim(token, 'PATCH', `/Users/${created.id}`, { schemas: [PATCH_OP], Operations: [operation] }), 200);
      expect(user.active, JSON.stringify(operation)).toBe(active);
      expect((await scimJson(await admin('GET', `/users/${created.id}`), 200)).disabled).toBe(!active);
    }
  });

  it('answers bad requests with the SCIM error schema and the right scimType, never a 500', async () => {
    const { token } = await scimToken();
    const created = await scimJson(await scim(token, 'POST', '/Users', newUser()), 201);
    const cases: [string, string, unknown, number, string | undefined][] = [
      ['GET', '/Users?filter=userName%20eq', undefined, 400, 'invalidFilter'],
      ['GET', `/Users?filter=${encodeURIComponent('nickName eq "x"')}`, undefined, 400, 'invalidFilter'],
      ['GET', '/Users?startIndex=abc', undefined, 400, 'invalidValue'],
      ['POST', '/Users', '{not json', 400, 'invalidSyntax'],
      ['POST', '/Users', { userName: '' }, 400, 'invalidValue'],
      ['POST', '/Users', { userName: 'not-an-email' }, 400, 'invalidValue'],
      ['POST', '/Users', newUser({ active: 'maybe' }), 400, 'invalidValue'],
      ['POST', '/Users', [], 400, 'invalidSyntax'],
      ['PATCH', `/Users/${created.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'jump', path: 'active' }] }, 400, 'invalidSyntax'],
      ['PATCH', `/Users/${created.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove' }] }, 400, 'noTarget'],
      ['PATCH', `/Users/${created.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'id', value: 'x' }] }, 400, 'mutability'],
      ['PATCH', `/Users/${created.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'emails[type eq', value: 'x' }] }, 400, 'invalidPath'],
      ['PATCH', `/Users/${created.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'phoneNumbers[type pr].value', value: 'x' }] }, 400, 'noTarget'],
      ['GET', '/Users/no-such-id', undefined, 404, undefined],
      ['DELETE', '/Users/no-such-id', undefined, 404, undefined],
      ['GET', '/Nothing', undefined, 404, undefined],
    ];
    for (const [method, path, body, status, scimType] of cases) {
      const res = await scim(token, method, path, body);
      const json = await res.json();
      expect({ path, body, status: res.status }).toEqual({ path, body, status });
      expect(json).toMatchObject({ schemas: [ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}) });
    }
    const wrongType = await scim(token, 'POST', '/Users', JSON.stringify(newUser()), { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);
  });

  it('refuses a body over the cap with 413 before reading it', async () => {
    const { token } = await scimToken();
    const res = await scim(token, 'POST', '/Users', newUser({ title: 'x'.repeat(70 * 1024) }));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ schemas: [ERROR_SCHEMA], status: '413' });
  });

  it('accepts a non-email userName when the primary email is one (Entra ID test users)', async () => {
    const { token } = await scimToken();
    const userName = unique('Test_User');
    const created = await scimJson(await scim(token, 'POST', '/Users', { ...newUser(), userName, emails: [{ primary: true, type: 'work', value: `${userName}@testuser.com` }] }), 201);
    expect(created.userName).toBe(userName);
    expect((await scimJson(await admin('GET', `/users/${created.id}`), 200)).email).toBe(`${userName}@testuser.com`.toLowerCase());
  });
});

describe('hostile bodies', () => {
  it('never answer 500: any JSON to POST and PATCH of Users and Groups gets a SCIM answer below 500', async () => {
    const fc = (await import('fast-check')).default;
    const { token } = await scimToken();
    const user = await scimJson(await scim(token, 'POST', '/Users', newUser()), 201);
    const group = await scimJson(await scim(token, 'POST', '/Groups', { displayName: unique('fuzz') }), 201);
    const key = fc.constantFrom('userName', 'active', 'name', 'emails', 'externalId', 'members', 'displayName', 'Operations', 'op', 'path', 'value', 'password', 'schemas', '__proto__', 'constructor', ENTERPRISE);
    const json = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(key, tie('v'), { maxKeys: 4 })),
    })).v;
    const patchBody = fc.record({ schemas: fc.constant([PATCH_OP]), Operations: fc.array(fc.record({ op: fc.constantFrom('add', 'Replace', 'remove', 'x'), path: fc.oneof(fc.constantFrom('active', 'name.givenName', 'emails[type eq "work"].value', 'members', 'members[value eq "x"]', 'displayName', 'id', 'groups'), fc.string({ maxLength: 20 })), value: json }, { requiredKeys: ['op'] }), { maxLength: 3 }) });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('POST /Users', `PATCH /Users/${user.id}`, 'POST /Groups', `PATCH /Groups/${group.id}`, `PUT /Users/${user.id}`), fc.oneof(json, patchBody), async (route, body) => {
        const [method, path] = route.split(' ') as [string, string];
        const res = await scim(token, method, path, body);
        expect(res.status, `${route} ${JSON.stringify(body)}`).toBeLessThan(500);
        if (res.status >= 400) expect(((await res.json()) as { schemas: unknown }).schemas).toEqual([ERROR_SCHEMA]);
        else await res.arrayBuffer();
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});

describe('administrators', () => {
  it("a SCIM token cannot set an administrator's password (Okta's password push), so it is no way into the console", async () => {
    const { token } = await scimToken();
    const adminUser = await scimJson<{ id: string }>(await admin('POST', '/users', { email: `${unique('root')}@example.com`, password: 'correct horse battery', roles: ['admin'] }), 201);
    const res = await scim(token, 'PATCH', `/Users/${adminUser.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'password', value: 'attacker-chosen-1' }] });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ schemas: [ERROR_SCHEMA], status: '403' });
    const current = await scimJson(await scim(token, 'GET', `/Users/${adminUser.id}`), 200);
    expect((await scim(token, 'PUT', `/Users/${adminUser.id}`, { ...current, password: 'attacker-chosen-2' })).status).toBe(403);
  });

  it("nor change an administrator's address (the next step would be a password reset mailed to it); an unchanged PUT and off-boarding still work", async () => {
    const { token } = await scimToken();
    const email = `${unique('root')}@example.com`;
    const adminUser = await scimJson<{ id: string }>(await admin('POST', '/users', { email, password: 'correct horse battery', roles: ['admin'] }), 201);
    const attacker = `${unique('attacker')}@evil.example`;
    const res = await scim(token, 'PATCH', `/Users/${adminUser.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: attacker }] });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { detail: string }).detail).toContain('administrator');
    const current = await scimJson<Record<string, any>>(await scim(token, 'GET', `/Users/${adminUser.id}`), 200);
    expect((await scim(token, 'PUT', `/Users/${adminUser.id}`, { ...current, userName: attacker, emails: [{ value: attacker, primary: true }] })).status).toBe(403);
    const stored = await scimJson<{ email: string; roles: string[] }>(await admin('GET', `/users/${adminUser.id}`), 200);
    expect(stored).toMatchObject({ email, roles: ['admin'] });

    // What an IdP sends on every sync (the same resource back) is no change; disabling takes access away.
    expect((await scim(token, 'PUT', `/Users/${adminUser.id}`, current)).status).toBe(200);
    const disabled = await scim(token, 'PATCH', `/Users/${adminUser.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
    expect(disabled.status).toBe(200);
    expect(await scimJson(await admin('GET', `/users/${adminUser.id}`), 200)).toMatchObject({ disabled: true });
  });
});

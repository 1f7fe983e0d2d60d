// SCIM 2.0 service provider at /scim/v2 (RFC 7643/7644) for Entra ID and Okta: discovery, Users,
// Groups. Every answer is application/scim+json; every failure the SCIM error schema (./errors.ts);
// every request needs a SCIM token (./tokens.ts). Routes parse, then call ./users.ts or ./groups.ts.
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { limitBody } from '../http/forms';
import { dbOf } from '../http/context';
import { app, listResponse, readPaging, readScimJson, scimBase, type ScimContext, type ScimEnv } from './context';
import { project, readProjection } from './attributes';
import { listOf, resourceTypes, schemas, serviceProviderConfig } from './discovery';
import { onScimError, ScimError, scimJson } from './errors';
import { FilterError, parseFilter, type Filter } from './filter';
import { createScimGroup, deleteScimGroup, listGroupRows, parseGroupResource, patchScimGroup, renderGroup, replaceScimGroup, requireGroup } from './groups';
import { applyPatch, parsePatchBody } from './patch';
import { findScimToken, touchScimToken } from './tokens';
import { parseUserResource, renderUser, USER_PATCH_TARGET, USER_SCHEMA } from './user-resource';
import { createScimUser, deleteScimUser, listUserRecords, replaceScimUser, requireUserRecord } from './users';
import { GROUP_SCHEMA } from './query';

/** Bodies larger than this are refused (413) before they are read. */
export const MAX_BODY_BYTES = 64 * 1024;
const DOCS = 'https://github.com/edge-sso/edge-sso#provisioning-scim-20';

export const scimRoutes = new Hono<ScimEnv>();
// Before any route is added: Hono applies a sub-app's error handler to the routes it has when mounted.
scimRoutes.onError(onScimError);

/** `Authorization: Bearer <SCIM token>`; a wrong or revoked token is 401. Records when the token was last used. */
const requireScimToken = createMiddleware<ScimEnv>(async (c, next) => {
  const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
  const token = match?.[1] ? await findScimToken(dbOf(app(c)), match[1]) : null;
  if (!token) throw new ScimError(401, 'Send a valid SCIM token as "Authorization: Bearer <token>".');
  c.set('scimToken', token);
  c.executionCtx.waitUntil(touchScimToken(dbOf(app(c)), token).catch((error: unknown) => console.error('scim: last-used write failed', error)));
  await next();
});

scimRoutes.use('*', requireScimToken);
scimRoutes.use('*', limitBody(MAX_BODY_BYTES));

function readFilter(c: ScimContext): Filter | null {
  const text = c.req.query('filter');
  // Entra ID's connectivity test may send an empty filter: that is no filter.
  if (text === undefined || text.trim() === '') return null;
  try {
    return parseFilter(text);
  } catch (error) {
    if (error instanceof FilterError) throw new ScimError(400, `The filter ${error.message}.`, 'invalidFilter');
    throw error;
  }
}

const query = (c: ScimContext) => (name: string) => c.req.query(name);

// --- Discovery ---------------------------------------------------------------------------------

scimRoutes.get('/ServiceProviderConfig', (c) => scimJson(app(c), serviceProviderConfig(scimBase(c), DOCS)));
scimRoutes.get('/ResourceTypes', (c) => scimJson(app(c), listOf(resourceTypes(scimBase(c)))));
scimRoutes.get('/ResourceTypes/:id', (c) => {
  const found = resourceTypes(scimBase(c)).find((t) => t.id === c.req.param('id'));
  if (!found) throw new ScimError(404, 'No such resource type.');
  return scimJson(app(c), found);
});
scimRoutes.get('/Schemas', (c) => scimJson(app(c), listOf(schemas(scimBase(c)))));
scimRoutes.get('/Schemas/:id', (c) => {
  const found = schemas(scimBase(c)).find((s) => s.id.toLowerCase() === c.req.param('id').toLowerCase());
  if (!found) throw new ScimError(404, 'No such schema.');
  return scimJson(app(c), found);
});

// --- Users -------------------------------------------------------------------------------------

async function userResponse(c: ScimContext, id: string, status = 200): Promise<Response> {
  const resource = await renderUser(scimBase(c), await requireUserRecord(dbOf(app(c)), id));
  const headers: Record<string, string> = { etag: (resource.meta as { version: string }).version };
  if (status === 201) headers.location = `${scimBase(c)}/Users/${id}`;
  return scimJson(app(c), project(resource, readProjection(query(c), USER_SCHEMA)), status, headers);
}

scimRoutes.get('/Users', async (c) => {
  const filter = readFilter(c);
  const { startIndex, count } = readPaging(c);
  const projection = readProjection(query(c), USER_SCHEMA);
  const { records, total } = await listUserRecords(dbOf(app(c)), filter, startIndex, count);
  const resources = await Promise.all(records.map(async (r) => project(await renderUser(scimBase(c), r), projection)));
  return scimJson(app(c), listResponse(resources, total, startIndex));
});

scimRoutes.post('/Users', async (c) => {
  const id = await createScimUser(c, parseUserResource(await readScimJson(c)));
  return userResponse(c, id, 201);
});

scimRoutes.get('/Users/:id', (c) => userResponse(c, c.req.param('id')));

scimRoutes.put('/Users/:id', async (c) => {
  const record = await requireUserRecord(dbOf(app(c)), c.req.param('id'));
  await replaceScimUser(c, record.user, parseUserResource(await readScimJson(c)));
  return userResponse(c, record.user.id);
});

scimRoutes.patch('/Users/:id', async (c) => {
  const record = await requireUserRecord(dbOf(app(c)), c.req.param('id'));
  const operations = parsePatchBody(await readScimJson(c));
  const patched = applyPatch(await renderUser(scimBase(c), record), operations, USER_PATCH_TARGET);
  await replaceScimUser(c, record.user, parseUserResource(patched));
  return userResponse(c, record.user.id);
});

scimRoutes.delete('/Users/:id', async (c) => {
  await deleteScimUser(c, c.req.param('id'));
  return c.body(null, 204);
});

// --- Groups ------------------------------------------------------------------------------------

/** Whether the response carries members (Entra ID asks without them: excludedAttributes=members). */
function wantsMembers(c: ScimContext): boolean {
  const { only, excluded } = readProjection(query(c), GROUP_SCHEMA);
  if (excluded.some((p) => p.attr === 'members' && !p.sub)) return false;
  return only === null || only.some((p) => p.attr === 'members');
}

async function groupResponse(c: ScimContext, id: string, status = 200): Promise<Response> {
  const db = dbOf(app(c));
  const resource = await renderGroup(db, scimBase(c), await requireGroup(db, id), wantsMembers(c));
  const headers: Record<string, string> = { etag: (resource.meta as { version: string }).version };
  if (status === 201) headers.location = `${scimBase(c)}/Groups/${id}`;
  return scimJson(app(c), project(resource, readProjection(query(c), GROUP_SCHEMA)), status, headers);
}

scimRoutes.get('/Groups', async (c) => {
  const filter = readFilter(c);
  const { startIndex, count } = readPaging(c);
  const projection = readProjection(query(c), GROUP_SCHEMA);
  const db = dbOf(app(c));
  const { rows, total } = await listGroupRows(db, filter, startIndex, count);
  const withMembers = wantsMembers(c);
  const resources = await Promise.all(rows.map(async (row) => project(await renderGroup(db, scimBase(c), row, withMembers), projection)));
  return scimJson(app(c), listResponse(resources, total, startIndex));
});

scimRoutes.post('/Groups', async (c) => {
  const row = await createScimGroup(c, parseGroupResource(await readScimJson(c)));
  return groupResponse(c, row.id, 201);
});

scimRoutes.get('/Groups/:id', (c) => groupResponse(c, c.req.param('id')));

scimRoutes.put('/Groups/:id', async (c) => {
  const row = await requireGroup(dbOf(app(c)), c.req.param('id'));
  await replaceScimGroup(c, row, parseGroupResource(await readScimJson(c)));
  return groupResponse(c, row.id);
});

// 204 as Entra ID's documentation asks (Okta accepts it too): a group's members can be many.
scimRoutes.patch('/Groups/:id', async (c) => {
  const row = await requireGroup(dbOf(app(c)), c.req.param('id'));
  await patchScimGroup(c, row, parsePatchBody(await readScimJson(c)));
  return c.body(null, 204);
});

scimRoutes.delete('/Groups/:id', async (c) => {
  await deleteScimGroup(c, await requireGroup(dbOf(app(c)), c.req.param('id')));
  return c.body(null, 204);
});

scimRoutes.all('*', (c) => {
  throw new ScimError(404, `Nothing is served at ${new URL(c.req.url).pathname}.`);
});

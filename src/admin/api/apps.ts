// /api/admin/apps: register, read, change and delete applications; reveal and rotate secrets.
import { Hono } from 'hono';
import { appToJson } from '../../apps/app';
import { parseAppChanges, parseNewApp } from '../../apps/input';
import { createApp, deleteApp, listApps, readClientSecret, requireApp, rotateClientSecret, updateApp } from '../../apps/store';
import { audit } from '../../audit/audit';
import type { AppEnv } from '../../http/context';
import { API_ACTOR as ACTOR, db, issuer, paging, readJson } from './request';

export const appsApi = new Hono<AppEnv>();

appsApi.get('/', async (c) => {
  const page = paging(c);
  const { apps, total } = await listApps(db(c), page);
  return c.json({ apps: apps.map((app) => appToJson(app, issuer(c))), total, limit: page.limit, offset: page.offset });
});

appsApi.post('/', async (c) => {
  const input = parseNewApp(await readJson(c));
  const { app, secret } = await createApp(db(c), c.env.KEY_ENCRYPTION_KEY, input);
  audit(c, { type: 'app.create', actor: ACTOR, target: app.clientId, detail: { name: app.name } });
  return c.json(appToJson(app, issuer(c), secret), 201);
});

appsApi.get('/:clientId', async (c) => c.json(appToJson(await requireApp(db(c), c.req.param('clientId')), issuer(c))));

appsApi.patch('/:clientId', async (c) => {
  const changes = parseAppChanges(await readJson(c));
  const app = await updateApp(db(c), c.req.param('clientId'), changes);
  audit(c, { type: 'app.update', actor: ACTOR, target: app.clientId, detail: { fields: Object.keys(changes) } });
  return c.json(appToJson(app, issuer(c)));
});

appsApi.delete('/:clientId', async (c) => {
  const clientId = c.req.param('clientId');
  await deleteApp(db(c), clientId);
  audit(c, { type: 'app.delete', actor: ACTOR, target: clientId });
  return c.body(null, 204);
});

/** Reveal: the secret is returned only on this explicit request, and the reveal is audited. */
appsApi.get('/:clientId/secret', async (c) => {
  const clientId = c.req.param('clientId');
  const secret = await readClientSecret(db(c), c.env.KEY_ENCRYPTION_KEY, clientId);
  audit(c, { type: 'app.secret.reveal', actor: ACTOR, target: clientId });
  return c.json({ client_id: clientId, client_secret: secret });
});

appsApi.post('/:clientId/secret', async (c) => {
  const clientId = c.req.param('clientId');
  const secret = await rotateClientSecret(db(c), c.env.KEY_ENCRYPTION_KEY, clientId);
  audit(c, { type: 'app.secret.rotate', actor: ACTOR, target: clientId });
  return c.json({ client_id: clientId, client_secret: secret });
});

// /api/admin/apps: register, read, change and delete applications; reveal and rotate secrets.
import { Hono } from 'hono';
import { appToJson, requireClientSecret } from '../../apps/app';
import { parseAppChanges, parseNewApp } from '../../apps/input';
import { DEFAULT_SECRET_GRACE_SECONDS, MAX_SECRET_GRACE_SECONDS, readClientSecrets, retirePreviousSecret, rotateClientSecret } from '../../apps/secrets';
import { createApp, deleteApp, listApps, requireApp, updateApp } from '../../apps/store';
import { audit } from '../../audit/audit';
import type { AppContext, AppEnv } from '../../http/context';
import { changedOnly, isEmpty } from '../../lib/changes';
import { withResolvedAccess } from '../../policy/access-input';
import { NotFoundError } from '../../lib/errors';
import { asObject, FieldReader } from '../../lib/validation';
import { API_ACTOR as ACTOR, db, issuer, paging, readJson } from './request';
import { keyring } from '../../lib/secret-box';
import { isSamlRequest, parseNewSamlApp, parseSamlAppChanges, refuseSamlFields } from '../../saml/input';
import { fieldChanges } from '../../audit/changes';

/** The body without `type: "oidc"` (the default), which the OIDC parser does not know. */
const withoutType = (body: unknown) => {
  const { type: _type, ...rest } = body as Record<string, unknown>;
  return rest;
};

export const appsApi = new Hono<AppEnv>();

appsApi.get('/', async (c) => {
  const page = paging(c);
  const { apps, total } = await listApps(db(c), page);
  return c.json({ apps: apps.map((app) => appToJson(app, issuer(c))), total, limit: page.limit, offset: page.offset });
});

appsApi.post('/', async (c) => {
  const body = await readJson(c);
  if (!isSamlRequest(body)) refuseSamlFields(body);
  const input = isSamlRequest(body) ? await parseNewSamlApp(body) : parseNewApp(withoutType(body));
  const { app, secret } = await createApp(db(c), keyring(c.env), input);
  audit(c, { type: 'app.create', actor: ACTOR, target: app.clientId, detail: { name: app.name, type: app.protocol ?? 'oidc' } });
  return c.json(appToJson(app, issuer(c), secret), 201);
});

appsApi.get('/:clientId', async (c) => c.json(appToJson(await requireApp(db(c), c.req.param('clientId')), issuer(c))));

appsApi.patch('/:clientId', async (c) => {
  const current = await requireApp(db(c), c.req.param('clientId'));
  const body = await readJson(c);
  if (current.protocol !== 'saml') refuseSamlFields(body, current);
  const parsed = current.protocol === 'saml' ? await parseSamlAppChanges(body) : parseAppChanges(body, current);
  const changes = changedOnly({ ...current, saml: current.saml }, await withResolvedAccess(db(c), parsed));
  if (isEmpty(changes)) return c.json(appToJson(current, issuer(c))); // nothing to write, nothing to audit
  const app = await updateApp(db(c), current.clientId, changes);
  audit(c, { type: 'app.update', actor: ACTOR, target: app.clientId, detail: { changes: fieldChanges(current, changes) } });
  return c.json(appToJson(app, issuer(c)));
});

appsApi.delete('/:clientId', async (c) => {
  const clientId = c.req.param('clientId');
  await deleteApp(db(c), clientId);
  audit(c, { type: 'app.delete', actor: ACTOR, target: clientId });
  return c.body(null, 204);
});

const iso = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000).toISOString());

/** Reveal: the secrets are returned only on this explicit request, and the reveal is audited. */
appsApi.get('/:clientId/secret', async (c) => {
  const clientId = c.req.param('clientId');
  requireClientSecret(await requireApp(db(c), clientId));
  const { current, previous } = await readClientSecrets(db(c), keyring(c.env), clientId);
  audit(c, { type: 'app.secret.reveal', actor: ACTOR, target: clientId });
  return c.json({
    client_id: clientId,
    client_secret: current,
    ...(previous ? { previous_client_secret: previous.secret, previous_secret_expires_at: iso(previous.expiresAt) } : {}),
  });
});

/** Reads the optional `{"grace_seconds": n}` of a rotation; an empty body means the default grace. */
async function graceSeconds(c: AppContext): Promise<number> {
  if ((await c.req.text()).trim() === '') return DEFAULT_SECRET_GRACE_SECONDS;
  const fields = new FieldReader(asObject(await readJson(c)));
  fields.onlyKeys(['grace_seconds']);
  const grace = fields.integer('grace_seconds', 0, MAX_SECRET_GRACE_SECONDS);
  fields.done();
  return grace ?? DEFAULT_SECRET_GRACE_SECONDS;
}

/**
 * Rotation: the new secret signs from now on; the previous one stays valid for verification
 * until `previous_secret_expires_at` (24 h by default), or until it is retired below.
 */
appsApi.post('/:clientId/secret', async (c) => {
  const clientId = c.req.param('clientId');
  requireClientSecret(await requireApp(db(c), clientId));
  const grace = await graceSeconds(c);
  const { secret, previousExpiresAt } = await rotateClientSecret(db(c), keyring(c.env), clientId, grace);
  audit(c, { type: 'app.secret.rotate', actor: ACTOR, target: clientId, detail: { grace_seconds: grace } });
  return c.json({ client_id: clientId, client_secret: secret, previous_secret_expires_at: iso(previousExpiresAt) });
});

/** Retire the old secret: the app's configuration has been updated, so the previous secret ends now. */
appsApi.delete('/:clientId/secret/previous', async (c) => {
  const clientId = c.req.param('clientId');
  if (!(await retirePreviousSecret(db(c), clientId))) throw new NotFoundError(`Application "${clientId}" has no previous secret in its grace period.`);
  audit(c, { type: 'app.secret.retire', actor: ACTOR, target: clientId });
  return c.body(null, 204);
});

// The JSON admin API: /api/admin/apps and /api/admin/users. Routes parse and validate, then call
// the app registry or user store; every change is audited and reaches live sessions or caches.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { appToJson } from '../apps/app';
import { parseAppChanges, parseNewApp } from '../apps/input';
import { createApp, deleteApp, listApps, readClientSecret, requireApp, rotateClientSecret, updateApp } from '../apps/store';
import { audit } from '../audit/audit';
import { database } from '../db/client';
import { issuerFor } from '../env';
import type { AppContext, AppEnv } from '../http/context';
import { RequestError, ValidationError } from '../lib/errors';
import { endUserSessions, refreshUserSessions } from '../sessions/sessions';
import { parseNewUser, parseUserChanges } from '../users/input';
import { createUser, deleteUser, listUsers, requireUser, updateUser } from '../users/store';
import { profileClaims, userToJson } from '../users/user';
import { requireAdminToken } from './api-auth';
import { AUDIT_TYPES, listAuditEvents } from '../audit/audit';
import { brandingToJson, checkBranding, compactBranding } from '../branding/branding';
import { loadGlobalBranding, saveGlobalBranding } from '../branding/store';
import { listLockouts, unlockAccount } from '../login/throttle';
import { ASYMMETRIC_ALGS, listSigningKeys, rotateSigningKey, type AsymmetricAlg } from '../tokens/keys';
import { importUsersFromCsv } from '../users/import';
import { NotFoundError } from '../lib/errors';
import { asObject } from '../lib/validation';

const ACTOR = 'admin-api';

export const adminApi = new Hono<AppEnv>();

adminApi.use('*', requireAdminToken);
adminApi.use(
  '*',
  bodyLimit({
    maxSize: 64 * 1024,
    onError: () => {
      throw new RequestError(413, 'too_large', 'The request body is larger than 64 KiB.');
    },
  }),
);

async function readJson(c: AppContext): Promise<unknown> {
  if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
    throw new RequestError(415, 'unsupported_media_type', 'Send a JSON body with "Content-Type: application/json".');
  }
  try {
    return await c.req.json();
  } catch {
    throw new RequestError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
}

function paging(c: AppContext): { limit: number; offset: number; search?: string } {
  const errors: Record<string, string> = {};
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = c.req.query(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) errors[name] = `must be a whole number from ${min} to ${max}`;
    return n;
  };
  const limit = int('limit', 50, 1, 100);
  const offset = int('offset', 0, 0, 1_000_000);
  if (Object.keys(errors).length) throw new ValidationError(errors);
  const search = (c.req.query('q') ?? c.req.query('email'))?.trim();
  return { limit, offset, search: search || undefined };
}

const issuer = (c: AppContext) => issuerFor(c.env, c.req.url);
const db = (c: AppContext) => database(c.env.DB);

// --- Applications -------------------------------------------------------------------------

adminApi.get('/apps', async (c) => {
  const page = paging(c);
  const { apps, total } = await listApps(db(c), page);
  return c.json({ apps: apps.map((app) => appToJson(app, issuer(c))), total, limit: page.limit, offset: page.offset });
});

adminApi.post('/apps', async (c) => {
  const input = parseNewApp(await readJson(c));
  const { app, secret } = await createApp(db(c), c.env.KEY_ENCRYPTION_KEY, input);
  audit(c, { type: 'app.create', actor: ACTOR, target: app.clientId, detail: { name: app.name } });
  return c.json(appToJson(app, issuer(c), secret), 201);
});

adminApi.get('/apps/:clientId', async (c) => c.json(appToJson(await requireApp(db(c), c.req.param('clientId')), issuer(c))));

adminApi.patch('/apps/:clientId', async (c) => {
  const changes = parseAppChanges(await readJson(c));
  const app = await updateApp(db(c), c.req.param('clientId'), changes);
  audit(c, { type: 'app.update', actor: ACTOR, target: app.clientId, detail: { fields: Object.keys(changes) } });
  return c.json(appToJson(app, issuer(c)));
});

adminApi.delete('/apps/:clientId', async (c) => {
  const clientId = c.req.param('clientId');
  await deleteApp(db(c), clientId);
  audit(c, { type: 'app.delete', actor: ACTOR, target: clientId });
  return c.body(null, 204);
});

/** Reveal: the secret is returned only on this explicit request, and the reveal is audited. */
adminApi.get('/apps/:clientId/secret', async (c) => {
  const clientId = c.req.param('clientId');
  const secret = await readClientSecret(db(c), c.env.KEY_ENCRYPTION_KEY, clientId);
  audit(c, { type: 'app.secret.reveal', actor: ACTOR, target: clientId });
  return c.json({ client_id: clientId, client_secret: secret });
});

adminApi.post('/apps/:clientId/secret', async (c) => {
  const clientId = c.req.param('clientId');
  const secret = await rotateClientSecret(db(c), c.env.KEY_ENCRYPTION_KEY, clientId);
  audit(c, { type: 'app.secret.rotate', actor: ACTOR, target: clientId });
  return c.json({ client_id: clientId, client_secret: secret });
});

// --- Users --------------------------------------------------------------------------------

adminApi.get('/users', async (c) => {
  const page = paging(c);
  const { users, total } = await listUsers(db(c), page);
  return c.json({ users: users.map(userToJson), total, limit: page.limit, offset: page.offset });
});

adminApi.post('/users', async (c) => {
  const user = await createUser(db(c), parseNewUser(await readJson(c)));
  audit(c, { type: 'user.create', actor: ACTOR, target: user.id, detail: { email: user.email } });
  return c.json(userToJson(user), 201);
});

adminApi.get('/users/:id', async (c) => c.json(userToJson(await requireUser(db(c), c.req.param('id')))));

adminApi.patch('/users/:id', async (c) => {
  const changes = parseUserChanges(await readJson(c));
  const user = await updateUser(db(c), c.req.param('id'), changes);
  // A new password or a disabled account ends every session; other changes reach live sessions.
  if (changes.password !== undefined || user.disabled) await endUserSessions(c.env.KV, user.id);
  else await refreshUserSessions(c.env.KV, user.id, profileClaims(user), user.roles);
  audit(c, { type: 'user.update', actor: ACTOR, target: user.id, detail: { fields: Object.keys(changes) } });
  return c.json(userToJson(user));
});

adminApi.delete('/users/:id', async (c) => {
  const id = c.req.param('id');
  await deleteUser(db(c), id);
  await endUserSessions(c.env.KV, id);
  audit(c, { type: 'user.delete', actor: ACTOR, target: id });
  return c.body(null, 204);
});

adminApi.delete('/users/:id/sessions', async (c) => {
  const user = await requireUser(db(c), c.req.param('id'));
  const ended = await endUserSessions(c.env.KV, user.id);
  audit(c, { type: 'user.sessions.revoke', actor: ACTOR, target: user.id, detail: { ended } });
  return c.json({ user_id: user.id, sessions_ended: ended });
});

adminApi.post('/users/import', async (c) => {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (!type.startsWith('text/csv') && !type.startsWith('text/plain')) {
    throw new RequestError(415, 'unsupported_media_type', 'Send the CSV as the body with "Content-Type: text/csv".');
  }
  const result = await importUsersFromCsv(db(c), await c.req.text());
  if ('error' in result) throw new ValidationError({ csv: result.error });
  const created = result.outcomes.filter((o) => o.created).length;
  audit(c, { type: 'user.import', actor: ACTOR, target: '', detail: { created, refused: result.outcomes.length - created } });
  return c.json({ created, refused: result.outcomes.length - created, rows: result.outcomes });
});

// --- Sign-in protection -------------------------------------------------------------------

adminApi.get('/lockouts', async (c) => {
  const lockouts = await listLockouts(db(c));
  return c.json({
    lockouts: lockouts.map((l) => ({ email: l.email, failures: l.failures, locked_until: new Date(l.lockedUntil * 1000).toISOString() })),
  });
});

adminApi.delete('/lockouts/:email', async (c) => {
  const email = c.req.param('email').toLowerCase();
  if (!(await unlockAccount(db(c), email))) throw new NotFoundError(`No failed sign-ins are recorded for "${email}".`);
  audit(c, { type: 'lockout.unlock', actor: ACTOR, target: email });
  return c.body(null, 204);
});

// --- Signing keys -------------------------------------------------------------------------

const iso = (seconds: number | null) => (seconds ? new Date(seconds * 1000).toISOString() : null);

adminApi.get('/keys', async (c) => {
  const keys = await listSigningKeys(c.env);
  return c.json({ keys: keys.map((k) => ({ kid: k.kid, alg: k.alg, state: k.state, created_at: iso(k.createdAt), retired_at: iso(k.retiredAt) })) });
});

adminApi.post('/keys/:alg/rotate', async (c) => {
  const alg = c.req.param('alg');
  if (!(ASYMMETRIC_ALGS as readonly string[]).includes(alg)) throw new NotFoundError('Only RS256 and ES256 keys can be rotated.');
  const kid = await rotateSigningKey(c.env, alg as AsymmetricAlg);
  audit(c, { type: 'key.rotate', actor: ACTOR, target: kid, detail: { alg } });
  return c.json({ alg, kid });
});

// --- Branding -----------------------------------------------------------------------------

adminApi.get('/branding', async (c) => c.json(brandingToJson(await loadGlobalBranding(c.env))));

adminApi.put('/branding', async (c) => {
  const fields = asObject(await readJson(c));
  const { values, errors } = checkBranding(fields);
  const unknown = Object.keys(fields).filter((k) => !Object.keys(brandingToJson({})).includes(k));
  for (const key of unknown) errors[key] = 'is not a known field';
  if (Object.keys(errors).length) throw new ValidationError(errors);
  const saved = compactBranding(values);
  await saveGlobalBranding(c.env, saved);
  audit(c, { type: 'branding.update', actor: ACTOR, target: 'global' });
  return c.json(brandingToJson(saved));
});

// --- Audit log ----------------------------------------------------------------------------

adminApi.get('/audit', async (c) => {
  const page = paging(c);
  const type = c.req.query('type');
  if (type !== undefined && !(AUDIT_TYPES as readonly string[]).includes(type)) {
    throw new ValidationError({ type: `must be one of: ${AUDIT_TYPES.join(', ')}` });
  }
  const user = c.req.query('user')?.trim();
  const { events, total } = await listAuditEvents(db(c), { type, subjects: user ? [user, user.toLowerCase()] : undefined, limit: page.limit, offset: page.offset });
  return c.json({
    events: events.map((e) => ({ id: e.id, at: new Date(e.at * 1000).toISOString(), type: e.type, actor: e.actor, target: e.target, client_ip: e.clientIp, detail: e.detail })),
    total,
    limit: page.limit,
    offset: page.offset,
  });
});

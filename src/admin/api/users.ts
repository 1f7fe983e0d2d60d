// /api/admin/users: the user store, sessions, and CSV import.
import { Hono } from 'hono';
import { audit } from '../../audit/audit';
import type { AppEnv } from '../../http/context';
import { RequestError, ValidationError } from '../../lib/errors';
import { endUserSessionsAndNotifyApps } from '../../logout/backchannel';
import { applyUserChange, signOutEverywhere } from '../../onboarding/recovery';
import { importUsersFromCsv, importUsersFromJson } from '../../users/import';
import { inviteImported } from '../../onboarding/invites';
import { changedUserFields } from '../../users/changes';
import { parseNewUser, parseUserChanges } from '../../users/input';
import { isEmpty } from '../../lib/changes';
import { createUser, deleteUser, listUsers, requireUser, updateUser } from '../../users/store';
import { userToJson } from '../../users/user';
import { API_ACTOR as ACTOR, db, paging, readJson } from './request';
import { fieldChanges } from '../../audit/changes';

export const usersApi = new Hono<AppEnv>();

usersApi.get('/', async (c) => {
  const page = paging(c);
  const { users, total } = await listUsers(db(c), page);
  return c.json({ users: users.map(userToJson), total, limit: page.limit, offset: page.offset });
});

usersApi.post('/', async (c) => {
  const user = await createUser(db(c), parseNewUser(await readJson(c)));
  audit(c, { type: 'user.create', actor: ACTOR, target: user.id, detail: { email: user.email } });
  return c.json(userToJson(user), 201);
});

usersApi.get('/:id', async (c) => c.json(userToJson(await requireUser(db(c), c.req.param('id')))));

usersApi.patch('/:id', async (c) => {
  const current = await requireUser(db(c), c.req.param('id'));
  const changes = changedUserFields(current, parseUserChanges(await readJson(c)));
  if (isEmpty(changes)) return c.json(userToJson(current)); // nothing to write, nothing to audit
  const user = await updateUser(db(c), current.id, changes);
  await applyUserChange(c, current, user, { passwordChanged: changes.password !== undefined });
  audit(c, { type: 'user.update', actor: ACTOR, target: user.id, detail: { changes: fieldChanges(current, changes, ['password', 'passwordHash']) } });
  return c.json(userToJson(user));
});

usersApi.delete('/:id', async (c) => {
  const id = c.req.param('id');
  // Sessions first: deleting the user also deletes their D1 session index.
  await endUserSessionsAndNotifyApps(c, id);
  await deleteUser(db(c), id);
  audit(c, { type: 'user.delete', actor: ACTOR, target: id });
  return c.body(null, 204);
});

usersApi.delete('/:id/sessions', async (c) => {
  const user = await requireUser(db(c), c.req.param('id'));
  const { ended } = await signOutEverywhere(c, user.id);
  audit(c, { type: 'user.sessions.revoke', actor: ACTOR, target: user.id, detail: { ended } });
  return c.json({ user_id: user.id, sessions_ended: ended });
});

usersApi.post('/import', async (c) => {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  const json = type.startsWith('application/json');
  if (!json && !type.startsWith('text/csv') && !type.startsWith('text/plain')) {
    throw new RequestError(415, 'unsupported_media_type', 'Send the CSV as the body with "Content-Type: text/csv", or { "users": [ … ] } as application/json.');
  }
  const result = json ? await importUsersFromJson(db(c), await readJson(c)) : await importUsersFromCsv(db(c), await c.req.text());
  if ('error' in result) throw new ValidationError({ [json ? 'users' : 'csv']: result.error });
  const created = result.outcomes.filter((o) => o.created).length;
  // ?invite=true: users created without a password get an invitation by email (src/onboarding/).
  const invited = c.req.query('invite') === 'true' ? await inviteImported(c, result.outcomes) : 0;
  audit(c, { type: 'user.import', actor: ACTOR, target: '', detail: { created, refused: result.outcomes.length - created, invited } });
  return c.json({ created, refused: result.outcomes.length - created, invited, rows: result.outcomes });
});

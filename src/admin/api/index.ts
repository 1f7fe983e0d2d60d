// The JSON admin API at /api/admin, behind the bearer token. Routes parse and validate, then
// call the capabilities; every change is audited and reaches live sessions or caches.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../../http/context';
import { RequestError } from '../../lib/errors';
import { requireAdminToken } from './auth';
import { appsApi } from './apps';
import { operationsApi } from './operations';
import { usersApi } from './users';

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
adminApi.route('/apps', appsApi);
adminApi.route('/users', usersApi);
adminApi.route('/', operationsApi);

// The admin API accepts `Authorization: Bearer <ADMIN_API_TOKEN>`, compared in constant time.
import { createMiddleware } from 'hono/factory';
import { constantTimeEqual } from '../../lib/encoding';
import { RequestError } from '../../lib/errors';
import type { AppEnv } from '../../http/context';

export const requireAdminToken = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const expected = c.env.ADMIN_API_TOKEN;
  if (!expected || !match?.[1] || !(await constantTimeEqual(match[1], expected))) {
    c.header('WWW-Authenticate', 'Bearer realm="edge-sso admin"');
    throw new RequestError(401, 'unauthorized', 'Send the admin API token as "Authorization: Bearer <ADMIN_API_TOKEN>".');
  }
  await next();
});

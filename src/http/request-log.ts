// One structured JSON line per request, for Workers Logs (observability in wrangler.toml): the
// route as registered (`/sso/jwt/:clientId`, never the path or query as sent, which may carry
// tokens, codes or email addresses), the status, what happened (the last audit event's type, e.g.
// `login.failure`, else a class of the status), the duration and the request id (Cloudflare's
// cf-ray). Nothing a user typed, no token, secret or address is ever in it.
// On unless the variable REQUEST_LOG is "off" (the workers test project sets it in vitest.config.ts,
// so the test output is not one line per request).
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppEnv } from './context';

export interface RequestLogLine {
  type: 'request';
  request_id: string;
  method: string;
  route: string;
  status: number;
  outcome: string;
  duration_ms: number;
}

const statusClass = (status: number) => (status >= 500 ? 'error' : status >= 400 ? 'refused' : status >= 300 ? 'redirect' : 'ok');

export function requestLog(write: (line: string) => void = (line) => console.log(line)): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.env.REQUEST_LOG === 'off') return next();
    const started = Date.now();
    await next();
    const route = routePath(c);
    const line: RequestLogLine = {
      type: 'request',
      request_id: c.req.header('cf-ray') ?? crypto.randomUUID(),
      method: c.req.method,
      route: route === '*' || route === '/*' ? '(no route)' : route,
      status: c.res.status,
      outcome: c.get('outcome') ?? statusClass(c.res.status),
      duration_ms: Date.now() - started,
    };
    write(JSON.stringify(line));
  };
}

// Headers on every response: a nonce-based CSP that forbids framing, no referrer, and no caching
// unless a route says otherwise (pages carry forms, responses carry tokens).
import { createMiddleware } from 'hono/factory';
import { randomToken } from '../lib/encoding';
import type { AppEnv } from './context';

export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  const nonce = randomToken(16);
  c.set('cspNonce', nonce);
  c.set('formActionOrigins', []);
  await next();
  const formAction = ["'self'", ...c.get('formActionOrigins')].join(' ');
  const headers = c.res.headers;
  headers.set(
    'Content-Security-Policy',
    [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src 'self' 'nonce-${nonce}'`,
      'img-src https: data:',
      `form-action ${formAction}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
  );
  headers.set('Referrer-Policy', 'no-referrer');
  headers.set('X-Content-Type-Options', 'nosniff');
  headers.set('X-Frame-Options', 'DENY');
  if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store');
});

// Headers on every response: a nonce-based CSP that forbids framing, no referrer, and no caching
// unless a route says otherwise (pages carry forms, responses carry tokens). Over https also HSTS;
// always a same-origin opener policy (no other window may script ours) and no powerful features.
import { createMiddleware } from 'hono/factory';
import { randomToken } from '../lib/encoding';
import type { AppEnv } from './context';

/** HSTS for a year. Sent only on https answers: browsers ignore it over http, and local dev is http. */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000; includeSubDomains';

/**
 * Browser features no page here uses are off for this origin and any frame. Passkeys
 * (publickey-credentials-*) stay allowed for this origin only: sign-in may use them.
 */
export const PERMISSIONS_POLICY = [
  'accelerometer=()',
  'autoplay=()',
  'browsing-topics=()',
  'camera=()',
  'display-capture=()',
  'geolocation=()',
  'gyroscope=()',
  'hid=()',
  'magnetometer=()',
  'microphone=()',
  'midi=()',
  'payment=()',
  'publickey-credentials-create=(self)',
  'publickey-credentials-get=(self)',
  'serial=()',
  'usb=()',
  'xr-spatial-tracking=()',
].join(', ');

export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  const nonce = randomToken(16);
  c.set('cspNonce', nonce);
  c.set('formActionOrigins', []);
  c.set('frameOrigins', []);
  await next();
  const frames = c.get('frameOrigins');
  const formAction = ["'self'", ...c.get('formActionOrigins')].join(' ');
  const headers = c.res.headers;
  headers.set(
    'Content-Security-Policy',
    [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src 'self' 'nonce-${nonce}'`,
      "img-src 'self' https: data:",
      `form-action ${formAction}`,
      ...(frames.length ? [`frame-src ${frames.join(' ')}`] : []),
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
  );
  // Console pages name their own path to this origin only, so an expired form can lead back to
  // it (src/http/errors.tsx); everything else sends no Referer at all.
  const url = new URL(c.req.url);
  const consolePage = /^\/admin(\/|$)/.test(url.pathname);
  headers.set('Referrer-Policy', consolePage ? 'same-origin' : 'no-referrer');
  headers.set('X-Content-Type-Options', 'nosniff');
  headers.set('X-Frame-Options', 'DENY');
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Permissions-Policy', PERMISSIONS_POLICY);
  if (url.protocol === 'https:') headers.set('Strict-Transport-Security', STRICT_TRANSPORT_SECURITY);
  if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store');
});

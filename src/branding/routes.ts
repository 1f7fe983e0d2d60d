// GET /branding/logo/<sha256>.png: an uploaded logo, from this origin. The name is the content's
// hash, so the answer never changes: browsers and Cloudflare's cache may keep it for a year.
import { Hono } from 'hono';
import type { AppEnv } from '../http/context';
import { readLogo } from './images';

export const brandingRoutes = new Hono<AppEnv>();

brandingRoutes.get('/branding/logo/:file{[0-9a-f]{64}\\.png}', async (c) => {
  const logo = await readLogo(c.env, c.req.param('file').slice(0, 64));
  if (!logo) return c.notFound();
  return c.body(logo.bytes, 200, {
    'Content-Type': logo.contentType,
    'Cache-Control': 'public, max-age=31536000, immutable',
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Content-Disposition': 'inline',
  });
});

// GET /branding/logo/<sha256>.png: an uploaded logo, from this origin. The name is the content's
// hash, so the answer never changes: browsers and Cloudflare's cache may keep it for a year.
// GET /favicon.ico: the global branding's logo when one is uploaded, else edge-sso's own icon.
import { Hono } from 'hono';
import type { AppEnv } from '../http/context';
import { readLogo } from './images';
import { LOGO_PATH_PATTERN } from '../policy/logo';
import { loadGlobalBranding } from './store';

/** edge-sso's default icon: a key on the accent colour, as SVG (every current browser takes an SVG favicon). */
export const DEFAULT_FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#2456d6"/><circle cx="12" cy="16" r="5.5" fill="none" stroke="#fff" stroke-width="3"/><path d="M17.5 16H26M22.5 16v4M26 16v3" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>`;
export const FAVICON_PATH = '/favicon.ico';

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

// Not immutable: the logo can change. An hour, like the stylesheet.
brandingRoutes.get(FAVICON_PATH, async (c) => {
  const hash = LOGO_PATH_PATTERN.exec((await loadGlobalBranding(c.env)).logoUrl ?? '')?.[1];
  const logo = hash ? await readLogo(c.env, hash) : null;
  const headers = { 'Cache-Control': 'public, max-age=3600', 'X-Content-Type-Options': 'nosniff' };
  if (logo) return c.body(logo.bytes, 200, { ...headers, 'Content-Type': logo.contentType });
  return c.body(DEFAULT_FAVICON, 200, { ...headers, 'Content-Type': 'image/svg+xml' });
});

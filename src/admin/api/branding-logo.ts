// /api/admin/branding/logo: upload the global logo as raw PNG bytes (PUT, Content-Type image/png),
// or remove it (DELETE). The logo is served from this origin; logo_url then points at it.
import { Hono } from 'hono';
import { audit } from '../../audit/audit';
import { brandingToJson, compactBranding } from '../../policy/branding';
import { deleteLogoAt, storeLogo } from '../../branding/images';
import { checkLogo, LOGO_PATH_PATTERN, MAX_LOGO_BYTES } from '../../policy/logo';
import { loadGlobalBranding, saveGlobalBranding } from '../../branding/store';
import type { AppEnv } from '../../http/context';
import { limitBody } from '../../http/forms';
import { RequestError, ValidationError } from '../../lib/errors';
import { API_ACTOR as ACTOR } from './request';

export const brandingLogoApi = new Hono<AppEnv>();

// A little over the logo limit, so an oversized logo gets checkLogo's message rather than a bare 413.
brandingLogoApi.use('*', limitBody(MAX_LOGO_BYTES + 64 * 1024));

brandingLogoApi.put('/', async (c) => {
  const type = (c.req.header('content-type') ?? '').toLowerCase().split(';')[0]!.trim();
  if (type !== 'image/png') {
    throw new RequestError(415, 'unsupported_media_type', 'Send the logo as the raw PNG bytes with "Content-Type: image/png" (SVG and other formats are not accepted).');
  }
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  const check = checkLogo(bytes);
  if (!check.ok) throw new ValidationError({ logo: check.reason });
  const current = await loadGlobalBranding(c.env);
  const logoUrl = await storeLogo(c.env, bytes, check.contentType);
  const saved = compactBranding({ ...current, logoUrl });
  await saveGlobalBranding(c.env, saved);
  if (current.logoUrl !== logoUrl) await deleteLogoAt(c.env, current.logoUrl);
  audit(c, { type: 'branding.update', actor: ACTOR, target: 'global', detail: { logo_url: logoUrl, bytes: bytes.length } });
  return c.json(brandingToJson(saved));
});

brandingLogoApi.delete('/', async (c) => {
  const current = await loadGlobalBranding(c.env);
  if (!current.logoUrl || !LOGO_PATH_PATTERN.test(current.logoUrl)) return c.json(brandingToJson(current));
  const saved = compactBranding({ ...current, logoUrl: '' });
  await saveGlobalBranding(c.env, saved);
  await deleteLogoAt(c.env, current.logoUrl);
  audit(c, { type: 'branding.update', actor: ACTOR, target: 'global', detail: { logo_url: '' } });
  return c.json(brandingToJson(saved));
});

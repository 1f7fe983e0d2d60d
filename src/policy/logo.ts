// Checking an uploaded logo. Pure: the bytes decide, never the file name or the browser's
// declared type. Only PNG is accepted: SVG is a document that can carry script and external
// references, and sanitising it safely is a project of its own, so it is refused with a reason.

export const MAX_LOGO_BYTES = 256 * 1024;
/** Larger images are not refused for being large on screen (CSS scales them), only for silly sizes. */
export const MAX_LOGO_PIXELS = 4096;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export type LogoCheck = { ok: true; contentType: 'image/png'; extension: 'png'; width: number; height: number } | { ok: false; reason: string };

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

/** Whether the text at the start of the file looks like SVG or other XML/HTML markup. */
function looksLikeMarkup(bytes: Uint8Array): boolean {
  const head = new TextDecoder().decode(bytes.subarray(0, 512)).replace(/^\uFEFF/, '').trimStart().toLowerCase();
  return head.startsWith('<');
}

export function checkLogo(bytes: Uint8Array): LogoCheck {
  if (bytes.length === 0) return { ok: false, reason: 'The file is empty. Choose a PNG image.' };
  if (bytes.length > MAX_LOGO_BYTES) {
    return { ok: false, reason: `The file is ${Math.ceil(bytes.length / 1024)} KB; a logo may be at most ${MAX_LOGO_BYTES / 1024} KB. Export a smaller PNG.` };
  }
  if (looksLikeMarkup(bytes)) {
    return { ok: false, reason: 'SVG files are not accepted: they can contain scripts. Export the logo as a PNG and upload that.' };
  }
  if (!startsWith(bytes, PNG_SIGNATURE)) return { ok: false, reason: 'The file is not a PNG image. Upload a PNG (other formats, including SVG, are not accepted).' };
  // The first chunk of every PNG is IHDR: length 13, then width and height as big-endian integers.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ihdr = bytes.length >= 24 && String.fromCharCode(...bytes.subarray(12, 16)) === 'IHDR' && view.getUint32(8) === 13;
  if (!ihdr) return { ok: false, reason: 'The PNG file is damaged (no image header). Export it again.' };
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width === 0 || height === 0 || width > MAX_LOGO_PIXELS || height > MAX_LOGO_PIXELS) {
    return { ok: false, reason: `The image is ${width}×${height} pixels; a logo may be at most ${MAX_LOGO_PIXELS}×${MAX_LOGO_PIXELS}.` };
  }
  return { ok: true, contentType: 'image/png', extension: 'png', width, height };
}

/** The path a stored logo is served at: named by its content, so it can be cached forever. */
export const logoPath = (hash: string) => `/branding/logo/${hash}.png`;

export const LOGO_PATH_PATTERN = /^\/branding\/logo\/([0-9a-f]{64})\.png$/;

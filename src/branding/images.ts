// Uploaded branding images in D1 (table branding_images), named by the SHA-256 of their bytes.
import { eq } from 'drizzle-orm';
import { database } from '../db/client';
import { brandingImages } from '../db/schema';
import type { Bindings } from '../env';
import { base64url, fromBase64url } from '../lib/encoding';
import { nowSeconds } from '../lib/time';
import { LOGO_PATH_PATTERN, logoPath } from '../policy/logo';

async function sha256HexOf(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Stores a checked image (once per content) and returns the path it is served at. */
export async function storeLogo(env: Pick<Bindings, 'DB'>, bytes: Uint8Array<ArrayBuffer>, contentType: string): Promise<string> {
  const hash = await sha256HexOf(bytes);
  await database(env.DB)
    .insert(brandingImages)
    .values({ hash, contentType, data: base64url(bytes), size: bytes.length, createdAt: nowSeconds() })
    .onConflictDoNothing();
  return logoPath(hash);
}

export async function readLogo(env: Pick<Bindings, 'DB'>, hash: string): Promise<{ contentType: string; bytes: Uint8Array<ArrayBuffer> } | null> {
  const [row] = await database(env.DB).select().from(brandingImages).where(eq(brandingImages.hash, hash)).limit(1);
  return row ? { contentType: row.contentType, bytes: fromBase64url(row.data) } : null;
}

/** Deletes the image a logo URL points at, if it is one of ours (a replaced or removed logo). */
export async function deleteLogoAt(env: Pick<Bindings, 'DB'>, logoUrl: string | undefined): Promise<void> {
  const hash = logoUrl ? LOGO_PATH_PATTERN.exec(logoUrl)?.[1] : undefined;
  if (hash) await database(env.DB).delete(brandingImages).where(eq(brandingImages.hash, hash));
}

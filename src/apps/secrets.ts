// An app's client secrets: the current one (signs HS256 tokens) and, for a grace period after a
// rotation, the previous one, which apps keep accepting so that tokens in flight and app
// instances not yet updated keep working. Both are AES-GCM encrypted in D1.
import { and, eq, isNotNull, lte } from 'drizzle-orm';
import type { Database } from '../db/client';
import { apps } from '../db/schema';
import { NotFoundError } from '../lib/errors';
import { open, seal, type Keyring } from '../lib/secret-box';
import { nowSeconds } from '../lib/time';
import { forgetApp } from './cache';
import { newClientSecret } from './store';

/** How long the previous secret stays valid after a rotation unless the admin retires it sooner. */
export const DEFAULT_SECRET_GRACE_SECONDS = 86_400;
export const MAX_SECRET_GRACE_SECONDS = 30 * 86_400;

export const currentPurpose = (clientId: string) => `app-secret:${clientId}`;
export const previousPurpose = (clientId: string) => `app-secret-previous:${clientId}`;
const noSuchApp = (clientId: string) => new NotFoundError(`No application with client_id "${clientId}".`);

export interface ClientSecrets {
  current: string;
  /** The secret before the last rotation, while it is still valid. */
  previous: { secret: string; expiresAt: number } | null;
}

/** When the previous secret stops being valid, or null when there is none (or it has expired). */
export async function previousSecretExpiry(db: Database, clientId: string): Promise<number | null> {
  const [row] = await db.select({ expiresAt: apps.previousSecretExpiresAt }).from(apps).where(eq(apps.clientId, clientId)).limit(1);
  if (!row) throw noSuchApp(clientId);
  return row.expiresAt !== null && row.expiresAt > nowSeconds() ? row.expiresAt : null;
}

export async function readClientSecrets(db: Database, kek: Keyring, clientId: string): Promise<ClientSecrets> {
  const [row] = await db
    .select({ current: apps.secretEncrypted, previous: apps.previousSecretEncrypted, expiresAt: apps.previousSecretExpiresAt })
    .from(apps)
    .where(eq(apps.clientId, clientId))
    .limit(1);
  if (!row) throw noSuchApp(clientId);
  const live = row.previous !== null && row.expiresAt !== null && row.expiresAt > nowSeconds();
  return {
    current: await open(kek, row.current, currentPurpose(clientId)),
    previous: live ? { secret: await open(kek, row.previous!, previousPurpose(clientId)), expiresAt: row.expiresAt! } : null,
  };
}

/**
 * Issues a new secret that signs from now on; the current one becomes the previous secret,
 * valid for `graceSeconds` more (0: it stops at once). A secret from an earlier rotation that
 * was still in its grace period is dropped: only two secrets are ever valid.
 */
export async function rotateClientSecret(db: Database, kek: Keyring, clientId: string, graceSeconds = DEFAULT_SECRET_GRACE_SECONDS): Promise<{ secret: string; previousExpiresAt: number | null }> {
  const { current } = await readClientSecrets(db, kek, clientId);
  const secret = newClientSecret();
  const now = nowSeconds();
  const previousExpiresAt = graceSeconds > 0 ? now + graceSeconds : null;
  const updated = await db
    .update(apps)
    .set({
      secretEncrypted: await seal(kek, secret, currentPurpose(clientId)),
      previousSecretEncrypted: previousExpiresAt === null ? null : await seal(kek, current, previousPurpose(clientId)),
      previousSecretExpiresAt: previousExpiresAt,
      updatedAt: now,
    })
    .where(eq(apps.clientId, clientId))
    .returning({ clientId: apps.clientId });
  if (updated.length === 0) throw noSuchApp(clientId);
  forgetApp(clientId);
  return { secret, previousExpiresAt };
}

/** Ends the grace period now: the previous secret is erased. False when there was none left. */
export async function retirePreviousSecret(db: Database, clientId: string): Promise<boolean> {
  const expiry = await previousSecretExpiry(db, clientId);
  await db
    .update(apps)
    .set({ previousSecretEncrypted: null, previousSecretExpiresAt: null })
    .where(and(eq(apps.clientId, clientId), isNotNull(apps.previousSecretExpiresAt)));
  return expiry !== null;
}

/** Erases previous secrets whose grace period has passed (for the scheduled clean-up). Returns how many. */
export async function pruneExpiredPreviousSecrets(db: Database, now = nowSeconds()): Promise<number> {
  const erased = await db
    .update(apps)
    .set({ previousSecretEncrypted: null, previousSecretExpiresAt: null })
    .where(and(isNotNull(apps.previousSecretExpiresAt), lte(apps.previousSecretExpiresAt, now)))
    .returning({ clientId: apps.clientId });
  return erased.length;
}

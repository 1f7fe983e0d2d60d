// Pairing a SCIM client with the identity source the same people sign in through: when the
// token names a source whose preset says what its SCIM externalId is (Entra ID's object id, Okta's
// user id), a provisioned user is linked to (source, subject) at once, so their first sign-in
// there lands on this account. Otherwise the first sign-in follows the source's linking rules
// (a verified email links only where the source is trusted for it: src/federation/linking.ts).
import { and, eq, ne } from 'drizzle-orm';
import { identitySources, userIdentities } from '../db/schema';
import { dbOf } from '../http/context';
import { nowSeconds } from '../lib/time';
import { presetFor } from '../federation/registry';
import type { SourceType } from '../federation/types';
import type { User } from '../users/user';
import { app, type ScimContext } from './context';

/** The upstream subject this externalId stands for at the token's paired source, or null. */
async function pairedSubject(c: ScimContext, externalId: string): Promise<{ source: string; subject: string } | null> {
  const slug = c.get('scimToken').identitySource;
  if (!slug) return null;
  const [source] = await dbOf(app(c)).select({ type: identitySources.type, config: identitySources.config }).from(identitySources).where(eq(identitySources.slug, slug)).limit(1);
  if (!source) return null;
  let subject: string | null = null;
  try {
    subject = presetFor(source.type as SourceType).scimSubject?.(externalId, { config: source.config }) ?? null;
  } catch {
    subject = null; // a source type this version does not know: no pairing
  }
  return subject ? { source: slug, subject } : null;
}

/**
 * Links the user to the paired source's subject for `externalId`. A link that already names
 * another user stays (the first account to have it keeps it); the user's earlier link from this
 * source through SCIM is replaced when externalId changes. Never an administrator: whoever holds
 * the token could point the externalId at their own account there and sign in as the
 * administrator (an admin account is linked by an admin or an invitation only, as in
 * src/federation/linking.ts).
 */
export async function linkProvisionedUser(c: ScimContext, user: Pick<User, 'id' | 'roles'>, externalId: string | null): Promise<void> {
  if (!externalId || user.roles.includes('admin')) return;
  const userId = user.id;
  const paired = await pairedSubject(c, externalId);
  if (!paired) return;
  const db = dbOf(app(c));
  const now = nowSeconds();
  // lastSignInAt 0: linked by provisioning, never signed in through the source yet.
  await db
    .insert(userIdentities)
    .values({ source: paired.source, subject: paired.subject, userId, email: '', createdAt: now, lastSignInAt: 0 })
    .onConflictDoNothing();
  await db
    .delete(userIdentities)
    .where(and(eq(userIdentities.source, paired.source), eq(userIdentities.userId, userId), eq(userIdentities.lastSignInAt, 0), ne(userIdentities.subject, paired.subject)));
}

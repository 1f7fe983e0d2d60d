// Who a federated sign-in is, in D1: the user linked to (source, upstream subject), or one linked
// or created by the rules of ./linking.ts. The user's profile follows upstream at each sign-in.
import { and, eq } from 'drizzle-orm';
import { database, type Database } from '../db/client';
import type { Bindings } from '../env';
import { refreshUserSessions } from '../sessions/sessions';
import { isUniqueViolation } from '../db/errors';
import { userIdentities, users } from '../db/schema';
import { ConflictError } from '../lib/errors';
import { nowSeconds } from '../lib/time';
import type { UserFields } from '../users/input';
import { createUser, getUser, requireUser, updateUser } from '../users/store';
import { profileClaims, type User } from '../users/user';
import { recordSourceGroups, scimManagedGroups } from '../users/groups';
import { decideLink, type LinkDecision, type Refusal } from './linking';
import { claimAt, type MappedProfile } from './mapping';
import type { IdentitySource, UpstreamProfile } from './types';

export type AccountOutcome = { ok: true; user: User; decision: LinkDecision['kind'] } | { ok: false; reason: Refusal };

async function findLinked(db: Database, source: string, subject: string) {
  const [row] = await db
    .select({ id: users.id, disabled: users.disabled })
    .from(userIdentities)
    .innerJoin(users, eq(users.id, userIdentities.userId))
    .where(and(eq(userIdentities.source, source), eq(userIdentities.subject, subject)))
    .limit(1);
  return row ?? null;
}

/** The email of the user linked to (source, subject), if any: the throttle counts a directory sign-in against it too. */
export async function linkedEmail(db: Database, source: string, subject: string): Promise<string | null> {
  const [row] = await db
    .select({ email: users.email })
    .from(userIdentities)
    .innerJoin(users, eq(users.id, userIdentities.userId))
    .where(and(eq(userIdentities.source, source), eq(userIdentities.subject, subject)))
    .limit(1);
  return row?.email ?? null;
}

async function findByEmail(db: Database, email: string) {
  if (!email) return null;
  const [row] = await db.select({ id: users.id, disabled: users.disabled, roles: users.roles }).from(users).where(eq(users.email, email)).limit(1);
  return row ? { id: row.id, disabled: row.disabled, admin: row.roles.includes('admin') } : null;
}

/** What a sign-in writes to the user: only what upstream actually sent. */
function profileUpdate(source: IdentitySource, upstream: UpstreamProfile, mapped: MappedProfile): Partial<UserFields> {
  const fields: Partial<UserFields> = {};
  if (mapped.name) fields.name = mapped.name;
  if (mapped.given_name) fields.givenName = mapped.given_name;
  if (mapped.family_name) fields.familyName = mapped.family_name;
  if (mapped.username) fields.username = mapped.username;
  // Groups follow upstream when it sent the group claim at all (an empty list removes them all).
  if (claimAt(upstream.raw, source.group_map.claim) !== undefined || upstream.groups.length) fields.groups = mapped.groups;
  return fields;
}

/**
 * The user for an upstream sign-in (OIDC, OAuth2 or a directory), found, linked or created, with
 * the profile and groups upstream sent. When they changed, the user's live sessions get them too
 * (as after an admin's change), so access rules see groups removed upstream in every session.
 */
export async function resolveAccount(stores: Pick<Bindings, 'DB' | 'KV'>, source: IdentitySource, upstream: UpstreamProfile, mapped: MappedProfile): Promise<AccountOutcome> {
  const db = database(stores.DB);
  const linked = await findLinked(db, source.slug, upstream.subject);
  const byEmail = linked ? null : await findByEmail(db, mapped.email);
  const decision = decideLink({ source, profile: mapped, linked, byEmail });
  if (decision.kind === 'refuse') return { ok: false, reason: decision.reason };

  const now = nowSeconds();
  let userId: string;
  if (decision.kind === 'create') {
    try {
      const user = await createUser(db, { email: mapped.email, emailVerified: mapped.email_verified, ...profileUpdate(source, upstream, mapped) });
      userId = user.id;
    } catch (error) {
      // Another sign-in created this email a moment ago: it is an existing account now.
      if (error instanceof ConflictError) return { ok: false, reason: 'email_in_use' };
      throw error;
    }
  } else {
    userId = decision.userId;
  }

  if (decision.kind === 'linked') {
    await db
      .update(userIdentities)
      .set({ lastSignInAt: now, email: mapped.email })
      .where(and(eq(userIdentities.source, source.slug), eq(userIdentities.subject, upstream.subject)));
  } else {
    try {
      // Proven unless it created the account from an unverified email: such a link makes no claim
      // on the address, and ends when the address's owner proves it (endUnprovenLinks).
      const proven = decision.kind === 'link' || mapped.email_verified;
      await db.insert(userIdentities).values({ source: source.slug, subject: upstream.subject, userId, email: mapped.email, proven, createdAt: now, lastSignInAt: now });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // The same upstream account signed in twice at once: follow the link the other request made.
      const winner = await findLinked(db, source.slug, upstream.subject);
      if (!winner) throw error;
      userId = winner.id;
    }
  }

  const before = decision.kind === 'create' ? null : await getUser(db, userId);
  const update = profileUpdate(source, upstream, mapped);
  if (update.groups) {
    // Groups SCIM pushed stay: the directory that provisions them decides, not this sign-in's claim.
    const kept = before ? await scimManagedGroups(db, before.groups) : [];
    update.groups = [...new Set([...update.groups, ...kept])];
    await recordSourceGroups(db, source.slug, mapped.groups);
  }
  let user = await updateUser(db, userId, update);
  // Renamed upstream: follow a verified new email, unless another account has it.
  if (decision.kind === 'linked' && mapped.email_verified && mapped.email && mapped.email !== user.email) {
    user = await updateUser(db, userId, { email: mapped.email, emailVerified: true }).catch((error: unknown) => {
      if (error instanceof ConflictError) return requireUser(db, userId);
      throw error;
    });
  }
  if (before && JSON.stringify(profileClaims(before)) !== JSON.stringify(profileClaims(user))) {
    await refreshUserSessions(stores, user.id, profileClaims(user), user.roles);
  }
  return { ok: true, user, decision: decision.kind };
}

// --- Linked identities, for the console's user page ------------------------------------------

export async function listIdentities(db: Database, userId: string) {
  return db.select().from(userIdentities).where(eq(userIdentities.userId, userId)).limit(100);
}

/**
 * The user's address was just proven by its owner (an invitation accepted, a password reset, an
 * email change confirmed): upstream accounts linked on the strength of an unverified email lose
 * their claim. Returns the links removed, for the audit trail.
 */
export async function endUnprovenLinks(db: Database, userId: string): Promise<{ source: string; subject: string }[]> {
  return db
    .delete(userIdentities)
    .where(and(eq(userIdentities.userId, userId), eq(userIdentities.proven, false)))
    .returning({ source: userIdentities.source, subject: userIdentities.subject });
}

/** Unlinks one upstream account from the user; the next sign-in with it follows the first-sign-in rules again. */
export async function unlinkIdentity(db: Database, userId: string, source: string, subject: string): Promise<boolean> {
  const deleted = await db
    .delete(userIdentities)
    .where(and(eq(userIdentities.userId, userId), eq(userIdentities.source, source), eq(userIdentities.subject, subject)))
    .returning({ source: userIdentities.source });
  return deleted.length > 0;
}

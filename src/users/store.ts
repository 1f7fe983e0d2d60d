// The user store in D1. Emails are unique and lower-cased; passwords are kept only as hashes.
import { and, asc, eq, or, sql } from 'drizzle-orm';
import { containsText } from '../db/search';
import { isUniqueViolation } from '../db/errors';
import type { Database } from '../db/client';
import { users, type UserRow } from '../db/schema';
import { ConflictError, NotFoundError } from '../lib/errors';
import { nowSeconds } from '../lib/time';
import type { UserFields } from './input';
import { normaliseEmail } from './input';
import { isImportedHash, verifyImportedHash } from './imported-hashes';
import { hashPassword, verifyDummyPassword, verifyPassword, type PasswordCheck } from './password';
import { toUser, type User } from './user';
import { revokeUserGrants } from '../tokens/revocation';

const notFound = (id: string) => new NotFoundError(`No user with id "${id}".`);
const emailTaken = (email: string) => new ConflictError('email', `A user with email "${email}" already exists.`);


async function columnsFor(fields: Partial<UserFields>): Promise<Partial<UserRow>> {
  const { password, ...profile } = fields; // profile.passwordHash: an imported hash, stored as it is
  return password === undefined ? profile : { ...profile, passwordHash: await hashPassword(password) };
}

export async function createUser(db: Database, fields: Partial<UserFields> & Pick<UserFields, 'email'>): Promise<User> {
  const now = nowSeconds();
  try {
    const [row] = await db
      .insert(users)
      .values({ id: crypto.randomUUID(), ...(await columnsFor(fields)), email: fields.email, createdAt: now, updatedAt: now })
      .returning();
    return toUser(row!);
  } catch (error) {
    if (isUniqueViolation(error)) throw emailTaken(fields.email);
    throw error;
  }
}

/** A user's row, as a query a caller may batch with others. */
export function userRowQuery(db: Database, id: string) {
  return db.select().from(users).where(eq(users.id, id)).limit(1);
}

export async function getUser(db: Database, id: string): Promise<User | null> {
  const [row] = await userRowQuery(db, id);
  return row ? toUser(row) : null;
}

export async function requireUser(db: Database, id: string): Promise<User> {
  const user = await getUser(db, id);
  if (!user) throw notFound(id);
  return user;
}

export async function listUsers(db: Database, opts: { search?: string; limit: number; offset: number }) {
  const filter = opts.search ? or(containsText(users.email, opts.search.toLowerCase()), containsText(users.name, opts.search)) : undefined;
  const [rows, [count]] = await Promise.all([
    db.select().from(users).where(filter).orderBy(asc(users.email)).limit(opts.limit).offset(opts.offset),
    db.select({ total: sql<number>`count(*)` }).from(users).where(filter),
  ]);
  return { users: rows.map(toUser), total: count?.total ?? 0 };
}

export async function updateUser(db: Database, id: string, fields: Partial<UserFields>): Promise<User> {
  try {
    const [row] = await db
      .update(users)
      .set({ ...(await columnsFor(fields)), updatedAt: nowSeconds() })
      .where(eq(users.id, id))
      .returning();
    if (!row) throw notFound(id);
    // A new password or a disabled account ends the user's OIDC grants: refresh and access tokens.
    // (Deleting the user deletes their grants: foreign key, cascade.)
    if (fields.password !== undefined || row.disabled) await revokeUserGrants(db, id, nowSeconds());
    return toUser(row);
  } catch (error) {
    if (fields.email && isUniqueViolation(error)) throw emailTaken(fields.email);
    throw error;
  }
}

export async function deleteUser(db: Database, id: string): Promise<void> {
  const deleted = await db.delete(users).where(eq(users.id, id)).returning({ id: users.id });
  if (deleted.length === 0) throw notFound(id);
}

/** Checks a password against edge-sso's own hash, or an imported one (which is always replaced once it matched). */
async function checkPassword(password: string, stored: string): Promise<PasswordCheck> {
  if (!isImportedHash(stored)) return verifyPassword(password, stored);
  const ok = await verifyImportedHash(password, stored);
  return { ok, needsRehash: ok };
}

/**
 * When a parallel sign-in with the same password replaced the hash first (two tabs at a first
 * sign-in after an import), the hash it wrote: the session binds to the user's current hash, so
 * binding to the replaced one would refuse this sign-in as "account changed". Null when the hash
 * now is another password's (a real change, which must win).
 */
async function upgradedMeanwhile(db: Database, userId: string, password: string): Promise<string | null> {
  const [current] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId)).limit(1);
  const hash = current?.passwordHash;
  if (!hash || isImportedHash(hash)) return null;
  return (await verifyPassword(password, hash)).ok ? hash : null;
}

/** A correct password's account, and what a new session is bound to: the hash it matched and the session version. */
export interface Authenticated {
  /** May be disabled: the caller says so only after the right password, so it reveals nothing to others. */
  user: User;
  passwordHash: string;
  sessionVersion: number;
}

/** The account an email names, as a query a caller may batch with others (see authenticateRow). */
export function userByEmail(db: Database, email: string) {
  return db.select().from(users).where(eq(users.email, normaliseEmail(email))).limit(1);
}

/**
 * The account these credentials belong to, or null. Unknown and password-less accounts cost the
 * same PBKDF2 work as a real check, so neither the answer nor its timing says which.
 */
export async function authenticate(db: Database, email: string, password: string): Promise<Authenticated | null> {
  const [row] = await userByEmail(db, email);
  return authenticateRow(db, row, password);
}

/** authenticate() for the row userByEmail() has read already. */
export async function authenticateRow(db: Database, row: UserRow | undefined, password: string): Promise<Authenticated | null> {
  if (!row?.passwordHash) {
    await verifyDummyPassword(password);
    return null;
  }
  const check = await checkPassword(password, row.passwordHash);
  if (!check.ok) return null;
  let passwordHash = row.passwordHash;
  if (check.needsRehash && !row.disabled) {
    // Only if nobody changed the password meanwhile: the hash is the password's version.
    const rehashed = await hashPassword(password);
    const updated = await db
      .update(users)
      .set({ passwordHash: rehashed })
      .where(and(eq(users.id, row.id), eq(users.passwordHash, row.passwordHash)))
      .returning({ id: users.id });
    if (updated.length) passwordHash = rehashed;
    else passwordHash = (await upgradedMeanwhile(db, row.id, password)) ?? passwordHash;
  }
  return { user: toUser(row), passwordHash, sessionVersion: row.sessionVersion };
}

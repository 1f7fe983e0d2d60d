// Self sign-up: nothing is created until the address is verified. The request is kept in the
// verification link's row (name and password hash); using the link creates the account, enabled
// at once or, when approval is required, disabled until an admin approves it.
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { users } from '../db/schema';
import { isUniqueViolation } from '../db/errors';
import { nowSeconds } from '../lib/time';
import { toUser, type User } from '../users/user';
import { createLink, type LinkLookup } from './links';

export interface SignupForm {
  name: string;
  email: string;
  password: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const CONTROL = /\p{Cc}/u;

/** Pure: the form's field problems (the password's own rules are checked separately). */
export function signupFieldProblems(form: SignupForm): Record<string, string> {
  const errors: Record<string, string> = {};
  if (form.name.trim() === '') errors.name = 'Enter your name.';
  else if (form.name.length > 200 || CONTROL.test(form.name)) errors.name = 'Use at most 200 characters, without control characters.';
  if (!EMAIL.test(form.email) || form.email.length > 254 || CONTROL.test(form.email)) errors.email = 'Enter an email address such as ada@example.com.';
  return errors;
}

/** The account the verified sign-up becomes; null if the address got an account meanwhile. */
export async function createSignedUpUser(db: Database, link: Extract<LinkLookup, { ok: true }>['link'], approved: boolean): Promise<User | null> {
  const now = nowSeconds();
  try {
    const [row] = await db
      .insert(users)
      .values({
        id: crypto.randomUUID(),
        email: link.email,
        name: link.data.name ?? '',
        passwordHash: link.data.passwordHash ?? null,
        emailVerified: true,
        disabled: !approved,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    return toUser(row!);
  } catch (error) {
    if (isUniqueViolation(error)) return null;
    throw error;
  }
}

/** Marks a verified sign-up as waiting for an admin (listed in the console and the API). */
export async function awaitApproval(db: Database, user: User): Promise<void> {
  await createLink(db, { purpose: 'approval', userId: user.id, email: user.email, data: { name: user.name } });
}

export async function emailTaken(db: Database, email: string): Promise<boolean> {
  const [row] = await db.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
  return row !== undefined;
}

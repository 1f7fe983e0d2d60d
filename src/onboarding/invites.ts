// Invitations: an admin names an email; the person gets a single-use link to choose a password
// and lands signed in on My apps, or on the app they were invited to.
import { eq } from 'drizzle-orm';
import { launchUrl } from '../apps/app';
import { loadServedApp } from '../apps/served';
import { users } from '../db/schema';
import { dbOf, type AppContext } from '../http/context';
import { ConflictError, ValidationError } from '../lib/errors';
import { asObject, FieldReader } from '../lib/validation';
import { parseImportedUser } from '../users/input';
import { createUser, getUser } from '../users/store';
import type { ImportOutcome } from '../users/import';
import type { User } from '../users/user';
import { createLink, LINK_TTL_SECONDS, revokeLinks } from './links';
import { inviteMail } from './messages';
import { linkTo, sendMail } from './send';

export interface InviteInput {
  email: string;
  name?: string;
  groups?: string[];
  clientId?: string;
  /** How long the link works; 7 days by default. */
  ttlSeconds: number;
}

export const MAX_INVITE_DAYS = 30;

/** The API's JSON: `{ email, name?, groups?, client_id?, expires_in_days? }`. */
export function parseInvite(body: unknown): InviteInput {
  const input = asObject(body);
  const fields = new FieldReader(input);
  fields.onlyKeys(['email', 'name', 'groups', 'client_id', 'expires_in_days']);
  const clientId = fields.string('client_id', { max: 100, notEmpty: true });
  const days = fields.value('expires_in_days');
  if (days !== undefined && !(Number.isInteger(days) && (days as number) >= 1 && (days as number) <= MAX_INVITE_DAYS)) {
    fields.fail('expires_in_days', `must be a whole number of days from 1 to ${MAX_INVITE_DAYS}`);
  }
  // Email, name and groups follow the user store's own rules.
  let profile: ReturnType<typeof parseImportedUser> | undefined;
  try {
    profile = parseImportedUser({ email: input.email, ...(input.name !== undefined ? { name: input.name } : {}), ...(input.groups !== undefined ? { groups: input.groups } : {}) });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    for (const [key, message] of Object.entries(error.fields)) fields.fail(key, message);
  }
  fields.done();
  return {
    email: profile!.email,
    name: profile!.name,
    groups: profile!.groups,
    clientId,
    ttlSeconds: typeof days === 'number' ? days * 86400 : LINK_TTL_SECONDS.invite,
  };
}

export interface Invitation {
  user: User;
  expiresAt: number;
  /** False when the person already had an account without a password (a new invitation replaces the old). */
  created: boolean;
}

/**
 * Creates the account (no password yet) or finds one that has none, and mails the link. An
 * account that already has a password is refused: it needs no invitation ("Forgot password" exists).
 */
export async function inviteUser(c: AppContext, input: InviteInput): Promise<Invitation> {
  const db = dbOf(c);
  const app = input.clientId ? await loadServedApp(c.env, input.clientId) : null;
  if (input.clientId && !app) throw new ValidationError({ client_id: `no app has client_id "${input.clientId}"` });
  const [existing] = await db.select({ id: users.id, passwordHash: users.passwordHash }).from(users).where(eq(users.email, input.email)).limit(1);
  if (existing?.passwordHash) throw new ConflictError('email', `The user ${input.email} already has a password; they can use "Forgot your password?" on the sign-in page.`);
  let user: User;
  if (existing) {
    user = (await getUser(db, existing.id))!;
    await revokeLinks(db, { userId: user.id, purpose: 'invite' });
  } else {
    user = await createUser(db, { email: input.email, name: input.name, groups: input.groups });
  }
  const { expiresAt } = await sendInvitation(c, user, { clientId: input.clientId, appName: app?.name, ttlSeconds: input.ttlSeconds });
  return { user, expiresAt, created: !existing };
}

/** Stores a new invitation link for a password-less user and mails it. */
export async function sendInvitation(c: AppContext, user: User, opts: { clientId?: string; appName?: string; ttlSeconds?: number } = {}): Promise<{ expiresAt: number }> {
  const ttlSeconds = opts.ttlSeconds ?? LINK_TTL_SECONDS.invite;
  const { token, expiresAt } = await createLink(dbOf(c), {
    purpose: 'invite',
    userId: user.id,
    email: user.email,
    data: opts.clientId ? { clientId: opts.clientId } : {},
    ttlSeconds,
  });
  await sendMail(c, user.email, (product) => inviteMail({ product, appName: opts.appName, name: user.name, url: linkTo(c, '/invite', token), ttlSeconds }), opts.clientId);
  return { expiresAt };
}

/** At most this many invitations go out per CSV import (each is a message to send). */
export const MAX_IMPORT_INVITES = 200;

/**
 * After a CSV import with "invite": mails an invitation to each created user without a password,
 * and says so in the row's report.
 */
export async function inviteImported(c: AppContext, outcomes: ImportOutcome[]): Promise<number> {
  let sent = 0;
  for (const outcome of outcomes) {
    if (!outcome.created) continue;
    const [row] = await dbOf(c).select({ id: users.id, passwordHash: users.passwordHash }).from(users).where(eq(users.email, outcome.email)).limit(1);
    if (!row || row.passwordHash) continue;
    if (sent >= MAX_IMPORT_INVITES) {
      outcome.message = `Created without a password; not invited (at most ${MAX_IMPORT_INVITES} invitations per import): invite from the Onboarding page.`;
      continue;
    }
    await sendInvitation(c, (await getUser(dbOf(c), row.id))!);
    outcome.message = 'Created and invited by email.';
    sent++;
  }
  return sent;
}

/** Where an accepted invitation lands: the app's own start URL, else My apps. */
export async function inviteLanding(c: AppContext, clientId: string | undefined): Promise<string> {
  const app = clientId ? await loadServedApp(c.env, clientId).catch(() => null) : null;
  return (app && launchUrl(app)) || '/my-apps';
}

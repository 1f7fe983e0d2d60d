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
  const { token, expiresAt } = await createLink(db, {
    purpose: 'invite',
    userId: user.id,
    email: user.email,
    data: input.clientId ? { clientId: input.clientId } : {},
    ttlSeconds: input.ttlSeconds,
  });
  await sendMail(
    c,
    user.email,
    (product) => inviteMail({ product, appName: app?.name, name: user.name, url: linkTo(c, '/invite', token), ttlSeconds: input.ttlSeconds }),
    input.clientId,
  );
  return { user, expiresAt, created: !existing };
}

/** Where an accepted invitation lands: the app's own start URL, else My apps. */
export async function inviteLanding(c: AppContext, clientId: string | undefined): Promise<string> {
  const app = clientId ? await loadServedApp(c.env, clientId).catch(() => null) : null;
  return (app && launchUrl(app)) || '/my-apps';
}

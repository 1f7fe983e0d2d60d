// Parses the admin's JSON for creating or changing a user.
import { asObject, FieldReader, identifierProblem } from '../lib/validation';
import { ROLES } from './user';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;
const GROUP = /^[^\u0000-\u001f\u007f]+$/;

export interface UserFields {
  email: string;
  password: string;
  name: string;
  givenName: string;
  familyName: string;
  username: string;
  groups: string[];
  roles: string[];
  emailVerified: boolean;
  disabled: boolean;
  mfaRequired: boolean;
}

const FIELDS = ['email', 'password', 'name', 'given_name', 'family_name', 'username', 'groups', 'roles', 'email_verified', 'disabled', 'mfa_required'];

/** The one form of an email address that is stored and looked up: trimmed, NFC, lower-cased. */
export function normaliseEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}

function read(body: unknown, creating: boolean, passwordRequired = creating): Partial<UserFields> {
  const fields = new FieldReader(asObject(body));
  fields.onlyKeys(FIELDS);
  const email = fields.string('email', { required: creating, notEmpty: true, max: 254 });
  const emailProblem = email === undefined ? null : identifierProblem(email);
  if (emailProblem) fields.fail('email', emailProblem);
  else if (email !== undefined && !EMAIL.test(email)) fields.fail('email', 'must be an email address such as ada@example.com');
  const password = fields.string('password', { required: passwordRequired, min: PASSWORD_MIN_LENGTH, max: PASSWORD_MAX_LENGTH, trim: false, kind: 'any' });
  if (password !== undefined && password.trim() === '') fields.fail('password', 'must not be made only of spaces');
  const roles = fields.stringList('roles', { maxItems: ROLES.length, maxLength: 20 });
  if (roles?.some((r) => !(ROLES as readonly string[]).includes(r))) fields.fail('roles', `may contain only: ${ROLES.join(', ')}`);
  const values: Partial<UserFields> = {
    email: email === undefined ? undefined : normaliseEmail(email),
    password,
    name: fields.string('name', { max: 200 }),
    givenName: fields.string('given_name', { max: 100 }),
    familyName: fields.string('family_name', { max: 100 }),
    username: fields.string('username', { max: 100 }),
    groups: fields.stringList('groups', { maxItems: 100, maxLength: 100, pattern: GROUP }),
    roles,
    emailVerified: fields.boolean('email_verified'),
    disabled: fields.boolean('disabled'),
    mfaRequired: fields.boolean('mfa_required'),
  };
  fields.done();
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

export function parseNewUser(body: unknown): Partial<UserFields> & Pick<UserFields, 'email' | 'password'> {
  return read(body, true) as Partial<UserFields> & Pick<UserFields, 'email' | 'password'>;
}

/** A user from a bulk import: the password is optional (without one, the user cannot sign in until an admin sets it). */
export function parseImportedUser(body: unknown): Partial<UserFields> & Pick<UserFields, 'email'> {
  return read(body, true, false) as Partial<UserFields> & Pick<UserFields, 'email'>;
}

export function parseUserChanges(body: unknown): Partial<UserFields> {
  return read(body, false);
}

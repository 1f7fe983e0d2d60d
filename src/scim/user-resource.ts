// The SCIM User resource (RFC 7643 §4.1, with the enterprise extension §4.3) and edge-sso's user,
// both ways, purely. `userName` is the sign-in email when it is one; otherwise (Entra ID may send
// a non-email userName) the primary email is. Names, `active` and `externalId` map onto the
// user; the other attributes (emails, phone numbers, title, the enterprise extension…) are kept
// as sent and returned as they were.
import { normaliseEmail } from '../users/input';
import type { User } from '../users/user';
import { identifierProblem } from '../lib/validation';
import type { ScimUserRow } from '../db/schema';
import { invalidValue, ScimError } from './errors';
import { attrOf } from './filter';
import type { PatchTarget } from './patch';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const MAX_ATTRIBUTES_BYTES = 16 * 1024;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Attributes edge-sso maps onto the user or computes: not kept among the other attributes. */
const MAPPED = ['schemas', 'id', 'meta', 'username', 'externalid', 'active', 'password', 'groups', 'displayname'];

export const USER_PATCH_TARGET: PatchTarget = {
  coreSchema: USER_SCHEMA.toLowerCase(),
  extensions: { [ENTERPRISE_SCHEMA.toLowerCase()]: ENTERPRISE_SCHEMA },
  readOnly: ['id', 'meta', 'groups', 'schemas'],
  spelling: Object.fromEntries(
    [
      'userName', 'externalId', 'displayName', 'nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone',
      'active', 'password', 'name', 'givenName', 'familyName', 'middleName', 'formatted', 'honorificPrefix', 'honorificSuffix',
      'emails', 'phoneNumbers', 'addresses', 'ims', 'photos', 'roles', 'entitlements', 'x509Certificates', 'value', 'display', 'type', 'primary',
      'streetAddress', 'locality', 'region', 'postalCode', 'country', 'employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager',
    ].map((name) => [name.toLowerCase(), name]),
  ),
};

/** What a User resource sets on edge-sso's user and its SCIM record. */
export interface ScimUserInput {
  userName: string;
  email: string;
  externalId: string | null;
  active: boolean;
  givenName: string;
  familyName: string;
  displayName: string;
  password?: string;
  attributes: Record<string, unknown>;
}

/** `active` as Entra ID and Okta send it: a boolean, or the strings "True"/"False" in any case. */
export function readActive(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  throw invalidValue('"active" must be true or false.');
}

function optionalString(value: unknown, field: string, max: number): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw invalidValue(`"${field}" must be a string.`);
  const text = value.trim();
  if (text.length > max) throw invalidValue(`"${field}" must be at most ${max} characters.`);
  const problem = identifierProblem(text);
  if (problem) throw invalidValue(`"${field}" ${problem}.`);
  return text;
}

/** The primary email, else the first: the sign-in email when userName is not an address. */
function emailFromList(emails: unknown): string {
  if (!Array.isArray(emails)) return '';
  const primary = emails.find((e) => attrOf(e, 'primary') === true || attrOf(e, 'primary') === 'True') ?? emails[0];
  const value = attrOf(primary, 'value');
  return typeof value === 'string' ? value : '';
}

/** Reads a User resource (POST, PUT, or the result of a PATCH). Throws ScimError for what cannot be stored. */
export function parseUserResource(body: unknown): ScimUserInput {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ScimError(400, 'The body must be a User JSON object.', 'invalidSyntax');
  const userName = optionalString(attrOf(body, 'username'), 'userName', 256);
  if (!userName) throw invalidValue('"userName" is required.');
  const emailSource = EMAIL.test(userName) ? userName : emailFromList(attrOf(body, 'emails'));
  const email = normaliseEmail(emailSource);
  if (!EMAIL.test(email) || email.length > 254 || identifierProblem(email)) {
    throw invalidValue('"userName" must be an email address, or the user needs a primary email in "emails".');
  }
  const externalIdRaw = attrOf(body, 'externalid');
  const externalId = externalIdRaw === undefined || externalIdRaw === null ? null : optionalString(externalIdRaw, 'externalId', 256) || null;
  const name = attrOf(body, 'name');
  if (name !== undefined && name !== null && (typeof name !== 'object' || Array.isArray(name))) throw invalidValue('"name" must be an object.');
  const givenName = optionalString(attrOf(name, 'givenname'), 'name.givenName', 100);
  const familyName = optionalString(attrOf(name, 'familyname'), 'name.familyName', 100);
  const formatted = optionalString(attrOf(name, 'formatted'), 'name.formatted', 200);
  const displayName = optionalString(attrOf(body, 'displayname'), 'displayName', 200) || formatted || [givenName, familyName].filter(Boolean).join(' ');
  const password = attrOf(body, 'password');
  if (password !== undefined && (typeof password !== 'string' || password.length < 8 || password.length > 256)) {
    throw invalidValue('"password" must be 8 to 256 characters.');
  }
  const attributes = Object.fromEntries(Object.entries(body).filter(([key]) => !MAPPED.includes(key.toLowerCase())));
  if (JSON.stringify(attributes).length > MAX_ATTRIBUTES_BYTES) throw invalidValue(`The user's other attributes are larger than ${MAX_ATTRIBUTES_BYTES / 1024} KiB.`);
  return {
    userName,
    email,
    externalId,
    active: readActive(attrOf(body, 'active')),
    givenName,
    familyName,
    displayName,
    ...(typeof password === 'string' ? { password } : {}),
    attributes,
  };
}

export interface UserRecord {
  user: User;
  scim: ScimUserRow | null;
  groups: { id: string; name: string }[];
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** A weak ETag that changes whenever anything in the resource does. */
export async function versionOf(resource: unknown): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(resource))));
  return `W/"${Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, '0')).join('')}"`;
}

/** The User resource of an edge-sso user (any user, provisioned or not). */
export async function renderUser(base: string, record: UserRecord): Promise<Record<string, unknown>> {
  const { user, scim, groups } = record;
  const attributes = { ...(scim?.attributes ?? {}) };
  const nameKey = Object.keys(attributes).find((k) => k.toLowerCase() === 'name');
  const keptName = nameKey ? (attributes[nameKey] as Record<string, unknown>) : {};
  if (nameKey) delete attributes[nameKey];
  const name: Record<string, unknown> = Object.fromEntries(Object.entries(keptName).filter(([k]) => !/^(givenname|familyname)$/i.test(k)));
  if (user.givenName) name.givenName = user.givenName;
  if (user.familyName) name.familyName = user.familyName;
  // The userName as the client sent it, unless the email changed here since (an admin's edit).
  const sent = scim?.userName;
  const userName = sent && (!EMAIL.test(sent) || normaliseEmail(sent) === user.email) ? sent : user.email;
  const extensions = Object.keys(attributes).filter((k) => k.toLowerCase().startsWith('urn:'));
  const body: Record<string, unknown> = {
    schemas: [USER_SCHEMA, ...extensions],
    id: user.id,
    ...(scim?.externalId ? { externalId: scim.externalId } : {}),
    userName,
    ...(Object.keys(name).length ? { name } : {}),
    ...(user.name ? { displayName: user.name } : {}),
    emails: [{ value: user.email, type: 'work', primary: true }],
    ...attributes,
    active: !user.disabled,
    groups: groups.map((g) => ({ value: g.id, display: g.name, $ref: `${base}/Groups/${g.id}` })),
  };
  const meta = { resourceType: 'User', created: iso(user.createdAt), lastModified: iso(Math.max(user.updatedAt, scim?.updatedAt ?? 0)), location: `${base}/Users/${user.id}` };
  return { ...body, meta: { ...meta, version: await versionOf(body) } };
}

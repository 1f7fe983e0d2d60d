// The app registry in D1: apps, their redirect URLs, and their encrypted client secrets.
import { and, asc, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import { containsText } from '../db/search';
import { slices } from '../db/limits';
import { isForeignKeyViolation, isUniqueViolation } from '../db/errors';
import type { Database } from '../db/client';
import { appRedirectUris, apps, samlApps, type AppRow, type RedirectKind } from '../db/schema';
import { randomToken } from '../lib/encoding';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors';
import { open, seal, type Keyring } from '../lib/secret-box';
import { nowSeconds } from '../lib/time';
import { DEFAULT_TOKEN_TTL_SECONDS, type App } from './app';
import type { AppFields, NewAppInput } from './input';
import { forgetApp } from './cache';
import { ensureSigningKeys } from '../tokens/keys';
import { resolveAccessUsers } from '../policy/access-input';
import { insertSamlSettings, samlSettingsOf, toSamlSettings, updateSamlSettings, type SamlSettings } from './saml';

const unknownSource = (slug: string | null | undefined) =>
  new ValidationError({ identity_source: `names no identity source ("${slug}"); add it under Identity sources first, or leave it empty` });

const duplicateEntity = (entityId: string) => new ConflictError('saml.entity_id', `Another SAML app already has the entity ID "${entityId}".`);

// The same purpose as currentPurpose in ./secrets.ts (one column, two modules).
const secretPurpose = (clientId: string) => `app-secret:${clientId}`;

/** 32 random bytes: long enough for HS256 (RFC 7518 asks for at least 256 bits). */
export function newClientSecret(): string {
  return randomToken(32);
}

function newClientId(): string {
  // Lower-case letters and digits only, so it survives being typed or pasted anywhere.
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

function redirectRows(clientId: string, kind: RedirectKind, urls: string[]) {
  return urls.map((url, position) => ({ clientId, kind, url, position }));
}

type RedirectRow = typeof appRedirectUris.$inferSelect;

function toApp(row: AppRow, uris: RedirectRow[], saml?: SamlSettings): App {
  const mine = uris.filter((u) => u.clientId === row.clientId);
  return {
    protocol: row.protocol,
    kind: row.kind,
    ...(saml ? { saml } : {}),
    clientId: row.clientId,
    name: row.name,
    description: row.description,
    signingAlg: row.signingAlg,
    responseMode: row.responseMode,
    tokenTtlSeconds: row.tokenTtlSeconds,
    initiateLoginUrl: row.initiateLoginUrl,
    attributeMap: row.attributeMap as App['attributeMap'],
    branding: row.branding,
    identitySource: row.identitySource,
    tokenEndpointAuthMethod: row.tokenEndpointAuthMethod,
    backchannelLogoutUri: row.backchannelLogoutUri,
    access: row.access ?? 'everyone',
    mfa: row.mfa,
    requirePkce: row.requirePkce,
    redirectUrls: mine.filter((u) => u.kind === 'login').map((u) => u.url),
    logoutUrls: mine.filter((u) => u.kind === 'logout').map((u) => u.url),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

async function withRedirects(db: Database, rows: AppRow[]): Promise<App[]> {
  if (rows.length === 0) return [];
  const uris = (
    await Promise.all(
      slices(rows.map((r) => r.clientId)).map((ids) =>
        db.select().from(appRedirectUris).where(inArray(appRedirectUris.clientId, ids)).orderBy(asc(appRedirectUris.position)),
      ),
    )
  ).flat();
  const saml = await samlSettingsOf(db, rows.filter((r) => r.protocol === 'saml').map((r) => r.clientId));
  return rows.map((row) => toApp(row, uris, saml.get(row.clientId)));
}

/** An app and its sealed client secret, read in one round trip (the row and its redirect URLs in one batch). */
export async function getAppWithSealedSecret(db: Database, clientId: string): Promise<{ app: App; sealedSecret: string } | null> {
  const [rows, uris, saml] = await db.batch([
    db.select().from(apps).where(eq(apps.clientId, clientId)).limit(1),
    db.select().from(appRedirectUris).where(eq(appRedirectUris.clientId, clientId)).orderBy(asc(appRedirectUris.position)),
    db.select().from(samlApps).where(eq(samlApps.clientId, clientId)).limit(1),
  ]);
  const row = rows[0];
  const settings = saml[0] ? toSamlSettings(saml[0]) : undefined;
  return row ? { app: toApp(row, uris, settings), sealedSecret: row.secretEncrypted } : null;
}

export async function getApp(db: Database, clientId: string): Promise<App | null> {
  return (await getAppWithSealedSecret(db, clientId))?.app ?? null;
}

export async function requireApp(db: Database, clientId: string): Promise<App> {
  const app = await getApp(db, clientId);
  if (!app) throw new NotFoundError(`No application with client_id "${clientId}".`);
  return app;
}

export async function listApps(db: Database, opts: { search?: string; limit: number; offset: number }) {
  const filter = opts.search
    ? or(containsText(apps.name, opts.search), containsText(apps.clientId, opts.search))
    : undefined;
  const [rows, [count]] = await Promise.all([
    db.select().from(apps).where(filter).orderBy(desc(apps.createdAt), asc(apps.clientId)).limit(opts.limit).offset(opts.offset),
    db.select({ total: sql<number>`count(*)` }).from(apps).where(filter),
  ]);
  return { apps: await withRedirects(db, rows), total: count?.total ?? 0 };
}

/** Creates the app with a fresh client secret, returned once here in plain text. */
export async function createApp(db: Database, kek: Keyring, input: NewAppInput): Promise<{ app: App; secret: string }> {
  const clientId = input.clientId ?? newClientId();
  const secret = newClientSecret();
  const now = nowSeconds();
  const row: typeof apps.$inferInsert = {
    clientId,
    name: input.name,
    description: input.description ?? '',
    signingAlg: input.signingAlg ?? 'HS256',
    responseMode: input.responseMode ?? 'query',
    tokenTtlSeconds: input.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS,
    attributeMap: input.attributeMap ?? {},
    initiateLoginUrl: input.initiateLoginUrl ?? '',
    branding: input.branding ?? {},
    identitySource: input.identitySource ?? null,
    tokenEndpointAuthMethod: input.tokenEndpointAuthMethod ?? 'client_secret_basic',
    backchannelLogoutUri: input.backchannelLogoutUri ?? null,
    access: input.access ? await resolveAccessUsers(db, input.access) : null,
    mfa: input.mfa ?? 'optional',
    // RFC 9700: every client should use PKCE. Apps created before this setting keep what they had.
    requirePkce: input.requirePkce ?? true,
    protocol: input.saml ? 'saml' : 'oidc',
    kind: input.saml ? null : (input.kind ?? null),
    secretEncrypted: await seal(kek, secret, secretPurpose(clientId)),
    createdAt: now,
    updatedAt: now,
  };
  const uris = [...redirectRows(clientId, 'login', input.redirectUrls), ...redirectRows(clientId, 'logout', input.logoutUrls ?? [])];
  try {
    // One batch is one transaction: an app is never left without its redirect URLs.
    await db.batch([
      db.insert(apps).values(row),
      ...slices(uris, 4).map((slice) => db.insert(appRedirectUris).values(slice)),
      ...(input.saml ? [insertSamlSettings(db, clientId, input.saml)] : []),
    ]);
  } catch (error) {
    if (isUniqueViolation(error) && input.saml && /saml_apps/.test(String(error))) throw duplicateEntity(input.saml.entityId);
    if (isUniqueViolation(error)) throw new ConflictError('client_id', `client_id "${clientId}" is already in use.`);
    if (isForeignKeyViolation(error)) throw unknownSource(input.identitySource);
    throw error;
  }
  // The issuer's keys exist before the app's first sign-in, so the JWKS it caches already has them.
  await ensureSigningKeys(db, kek);
  return { app: (await getApp(db, clientId))!, secret };
}

export async function updateApp(db: Database, clientId: string, changes: Partial<AppFields>): Promise<App> {
  const { redirectUrls, logoutUrls, access, saml, ...columns } = changes;
  const accessColumn = access === undefined ? {} : { access: await resolveAccessUsers(db, access) };
  const updated = await db
    .update(apps)
    .set({ ...columns, ...accessColumn, updatedAt: nowSeconds() })
    .where(eq(apps.clientId, clientId))
    .returning({ clientId: apps.clientId })
    .catch((error: unknown) => {
      throw isForeignKeyViolation(error) ? unknownSource(changes.identitySource) : error;
    });
  if (updated.length === 0) throw new NotFoundError(`No application with client_id "${clientId}".`);
  const replace = (kind: RedirectKind, urls: string[]) => [
    db.delete(appRedirectUris).where(and(eq(appRedirectUris.clientId, clientId), eq(appRedirectUris.kind, kind))),
    ...slices(redirectRows(clientId, kind, urls), 4).map((slice) => db.insert(appRedirectUris).values(slice)),
  ];
  const [first, ...others] = [
    ...(redirectUrls ? replace('login', redirectUrls) : []),
    ...(logoutUrls ? replace('logout', logoutUrls) : []),
    ...(saml ? [updateSamlSettings(db, clientId, saml)] : []),
  ];
  if (first) {
    await db.batch([first, ...others]).catch((error: unknown) => {
      throw saml?.entityId && isUniqueViolation(error) ? duplicateEntity(saml.entityId) : error;
    });
  }
  forgetApp(clientId);
  return requireApp(db, clientId);
}

export async function deleteApp(db: Database, clientId: string): Promise<void> {
  // Redirect rows go with it (ON DELETE CASCADE needs foreign keys, which D1 enforces).
  const deleted = await db.delete(apps).where(eq(apps.clientId, clientId)).returning({ clientId: apps.clientId });
  if (deleted.length === 0) throw new NotFoundError(`No application with client_id "${clientId}".`);
  forgetApp(clientId);
}

export async function readClientSecret(db: Database, kek: Keyring, clientId: string): Promise<string> {
  const [row] = await db.select({ sealed: apps.secretEncrypted }).from(apps).where(eq(apps.clientId, clientId)).limit(1);
  if (!row) throw new NotFoundError(`No application with client_id "${clientId}".`);
  return openClientSecret(kek, clientId, row.sealed);
}

/** The plain client secret from its sealed form (as getAppWithSealedSecret returns it). */
export function openClientSecret(kek: Keyring, clientId: string, sealed: string): Promise<string> {
  return open(kek, sealed, secretPurpose(clientId));
}

/** Each app's name and the groups its access rule names (apps open to everyone name none), for the Groups page. */
export async function groupsNamedByApps(db: Database): Promise<{ clientId: string; name: string; groups: string[] }[]> {
  const rows = await db.select({ clientId: apps.clientId, name: apps.name, access: apps.access }).from(apps).orderBy(asc(apps.name)).limit(1000);
  return rows.flatMap((r) => (r.access?.groups?.length ? [{ clientId: r.clientId, name: r.name, groups: r.access.groups }] : []));
}

/**
 * The statement that renames a group in every access rule naming it (a rule that names both
 * names keeps one), returning the client IDs changed: for the caller's batch with the group's own
 * rename, so a rename never leaves a rule naming a group no one has (src/scim/groups.ts). The
 * caller forgets the changed apps in this isolate's cache (forgetApp) once the batch ran; `when`
 * makes it depend on an earlier statement of the batch.
 */
export function renameGroupInAccessRules(db: Database, from: string, to: string, when?: SQL) {
  const groups = sql`(select json_group_array(distinct case when value = ${from} then ${to} else value end) from json_each(${apps.access}, '$.groups'))`;
  return db
    .update(apps)
    .set({ access: sql`json_set(${apps.access}, '$.groups', json(${groups}))`, updatedAt: nowSeconds() })
    .where(and(sql`exists (select 1 from json_each(${apps.access}, '$.groups') where value = ${from})`, when))
    .returning({ clientId: apps.clientId });
}

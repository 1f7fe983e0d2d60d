// Imports an export document (./document.ts) into this deployment. The document's MAC is checked
// before anything else in it is read (it proves the passphrase and that no field was changed),
// and every secret opened before anything is written: a wrong passphrase or a changed document
// is a 400 that writes nothing. Records that already exist here (same client ID, same email or user id,
// same slug, key id or setting, a SAML app whose entity ID another app here has, a SCIM token or a
// group of the same id or name) are reported and left alone, with everything that hangs off them
// in the document. The rest arrives as it was: users keep their id (`sub`) and password hash,
// apps their client ID and secrets. All writes are one D1 batch, so one transaction.
import { inArray, or } from 'drizzle-orm';
import { MAX_TOKEN_TTL_SECONDS } from '../apps/app';
import type { Database } from '../db/client';
import { slices } from '../db/limits';
import { apps, groups, identitySources, samlApps, scimTokens, settings, signingKeys, users } from '../db/schema';
import { fromBase64url } from '../lib/encoding';
import { RequestError } from '../lib/errors';
import { seal, type Keyring } from '../lib/secret-box';
import { nowSeconds } from '../lib/time';
import { MAX_ARGON2_MEMORY_KIB, MAX_ARGON2_PASSES } from '../users/argon2';
import { FORMAT, SECRET_FIELDS, TABLES, VERSION, type ExportDocument, type Row, type TableName } from './document';
import { documentMacMatches, openFor, passphraseKeys, type PassphraseKeys } from './passphrase';

export interface ImportReport {
  imported: Record<TableName, number>;
  /** Left alone because this deployment already has them. */
  existing: { apps: string[]; users: string[]; identity_sources: string[]; signing_keys: string[]; settings: string[]; scim_tokens: string[]; groups: string[] };
}

const bad = (message: string) => new RequestError(400, 'invalid_document', message);

/** The parts needed to check the MAC: format, version, key derivation parameters (bounded: they size the Argon2id run) and the MAC. */
function readEnvelope(body: unknown): Record<string, unknown> & Pick<ExportDocument, 'encryption' | 'mac'> {
  const doc = body as Partial<ExportDocument> | null;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || doc.format !== FORMAT) throw bad(`Not an edge-sso export (format must be "${FORMAT}").`);
  if ((doc.version as number) === 1) {
    throw bad('This export is version 1, whose users, apps and settings were not protected against changes. It is not imported: export again from the source deployment and import the new file.');
  }
  if (doc.version !== VERSION) throw bad(`Export version ${String(doc.version)} is not supported here (this deployment reads version ${VERSION}).`);
  const e = doc.encryption;
  const p = e?.params;
  if (!e || typeof e !== 'object' || e.kdf !== 'argon2id' || typeof e.salt !== 'string' || !p || typeof p !== 'object') throw bad('The document has no valid "encryption" section.');
  const ints = [p.memoryKiB, p.passes, p.parallelism].every((n) => Number.isInteger(n) && n > 0);
  if (!ints || p.memoryKiB > MAX_ARGON2_MEMORY_KIB || p.passes > MAX_ARGON2_PASSES || p.parallelism > 8 || p.memoryKiB < 8 * p.parallelism) throw bad('The key derivation parameters are out of range.');
  if (typeof doc.mac !== 'string') throw wrongPassphrase();
  return doc as Record<string, unknown> & Pick<ExportDocument, 'encryption' | 'mac'>;
}

/** One answer for a wrong passphrase and a changed file: both mean the MAC does not match. */
const wrongPassphrase = () =>
  new RequestError(400, 'wrong_passphrase', 'The passphrase does not open this export, or the file was changed after it was exported. Nothing was imported.');

/** The passphrase's keys, once the MAC over everything but itself proves both the passphrase and the document. */
async function verifiedKeys(doc: ReturnType<typeof readEnvelope>, passphrase: string): Promise<PassphraseKeys> {
  const { mac, ...unsigned } = doc;
  try {
    const keys = await passphraseKeys(passphrase, fromBase64url(doc.encryption.salt), doc.encryption.params);
    if (await documentMacMatches(keys.mac, unsigned, mac)) return keys;
  } catch {
    // A salt that is not base64url, a value canonical JSON cannot write: not this export either.
  }
  throw wrongPassphrase();
}

/** The tables of an authenticated document, each a list of rows (a table the document lacks is empty). */
function readTables(doc: Record<string, unknown>): Record<TableName, Row[]> {
  if (!doc.tables || typeof doc.tables !== 'object' || Array.isArray(doc.tables)) throw bad('The document has no "tables".');
  const tables = doc.tables as Record<string, unknown>;
  return Object.fromEntries(
    (Object.keys(TABLES) as TableName[]).map((name) => {
      const rows = tables[name] ?? [];
      if (!Array.isArray(rows) || rows.some((r) => !r || typeof r !== 'object' || Array.isArray(r))) throw bad(`tables.${name} must be a list of objects.`);
      return [name, rows as Row[]];
    }),
  ) as Record<TableName, Row[]>;
}

export async function importDeployment(db: Database, ring: Keyring, passphrase: string, body: unknown): Promise<ImportReport> {
  const doc = readEnvelope(body);
  const key = (await verifiedKeys(doc, passphrase)).seal;
  const t = readTables(doc);
  // Every secret opened first: nothing is written unless all of them open.
  for (const secret of SECRET_FIELDS) {
    for (const row of t[secret.table]) {
      const value = row[secret.field];
      if (value === null || value === undefined) continue;
      try {
        row[secret.field] = await openFor(key, String(value), secret.purpose(row));
      } catch {
        throw bad(`A secret in tables.${secret.table} does not open: the document was changed or damaged. Nothing was imported.`);
      }
    }
  }

  const existing = await findExisting(db, t);
  const newUsers = new Set(t.users.filter((u) => !existing.userIds.has(String(u.id))).map((u) => String(u.id)));
  const newApps = new Set(t.apps.filter((a) => !existing.apps.has(String(a.clientId))).map((a) => String(a.clientId)));
  const newTokens = t.scim_tokens.filter((r) => !existing.scimTokens.has(String(r.id)));
  // A provisioned user keeps the token that last wrote it if that token is (or already was) here.
  const tokenIds = new Set([...newTokens.map((r) => String(r.id)), ...existing.scimTokenIds]);
  const take: Record<TableName, Row[]> = {
    settings: t.settings.filter((r) => !existing.settings.has(String(r.key))),
    branding_images: t.branding_images,
    identity_sources: t.identity_sources.filter((r) => !existing.sources.has(String(r.slug))),
    signing_keys: t.signing_keys.filter((r) => !existing.keys.has(String(r.kid))).map((r) => keyState(r, existing.slots)),
    users: t.users.filter((r) => newUsers.has(String(r.id))),
    groups: t.groups.filter((r) => !existing.groups.has(String(r.id))),
    apps: t.apps.filter((r) => newApps.has(String(r.clientId))),
    app_redirect_uris: t.app_redirect_uris.filter((r) => newApps.has(String(r.clientId))).map(({ id: _id, ...r }) => r),
    saml_apps: t.saml_apps.filter((r) => newApps.has(String(r.clientId))),
    user_identities: t.user_identities.filter((r) => newUsers.has(String(r.userId))),
    mfa_totp: t.mfa_totp.filter((r) => newUsers.has(String(r.userId))),
    webauthn_credentials: t.webauthn_credentials.filter((r) => newUsers.has(String(r.userId))),
    recovery_codes: t.recovery_codes.filter((r) => newUsers.has(String(r.userId))),
    scim_tokens: newTokens,
    scim_users: t.scim_users.filter((r) => newUsers.has(String(r.userId))).map((r) => (r.tokenId !== null && !tokenIds.has(String(r.tokenId)) ? { ...r, tokenId: null } : r)),
  };
  // Sealed again under this deployment's key-encryption key.
  for (const secret of SECRET_FIELDS) {
    if (!secret.atRest) continue;
    for (const row of take[secret.table]) {
      const value = row[secret.field];
      if (typeof value === 'string') row[secret.field] = await seal(ring, value, secret.atRest(String(row[secret.keyField])));
    }
  }
  const statements = (Object.keys(TABLES) as TableName[]).flatMap((name) =>
    slices(take[name], Math.max(1, Object.keys(take[name][0] ?? {}).length), 0).map((chunk) => {
      const insert = db.insert(TABLES[name]).values(chunk as never);
      return name === 'branding_images' || name === 'webauthn_credentials' || name === 'recovery_codes' || name === 'user_identities' ? insert.onConflictDoNothing() : insert;
    }),
  );
  if (statements.length > 0) {
    try {
      await db.batch(statements as never);
    } catch (error) {
      console.error('import failed', error instanceof Error ? error.message.split('\n')[0] : 'unknown error');
      throw bad('The document could not be written (a record does not fit this deployment\'s schema). Nothing was imported.');
    }
  }
  return {
    imported: Object.fromEntries(Object.entries(take).map(([name, rows]) => [name, rows.length])) as Record<TableName, number>,
    existing: {
      apps: t.apps.filter((a) => !newApps.has(String(a.clientId))).map((a) => String(a.clientId)),
      users: t.users.filter((u) => !newUsers.has(String(u.id))).map((u) => String(u.email)),
      identity_sources: [...existing.sources],
      signing_keys: [...existing.keys],
      settings: [...existing.settings],
      scim_tokens: t.scim_tokens.filter((r) => existing.scimTokens.has(String(r.id))).map((r) => String(r.name)),
      groups: t.groups.filter((r) => existing.groups.has(String(r.id))).map((r) => String(r.name)),
    },
  };
}

/** What this deployment already has of what the document brings. */
async function findExisting(db: Database, t: Record<TableName, Row[]>) {
  const ids = (rows: Row[], field: string) => rows.map((r) => String(r[field]));
  const inChunks = async <T>(values: string[], query: (chunk: string[]) => Promise<T[]>) => (await Promise.all(slices(values, 2).map(query))).flat();
  const [appRows, entityRows, userRows, sourceRows, keyRows, settingRows, slotRows, tokenRows, groupRows] = await Promise.all([
    inChunks(ids(t.apps, 'clientId'), (c) => db.select({ v: apps.clientId }).from(apps).where(inArray(apps.clientId, c))),
    inChunks(ids(t.saml_apps, 'entityId'), (c) => db.select({ v: samlApps.entityId }).from(samlApps).where(inArray(samlApps.entityId, c))),
    inChunks(ids(t.users, 'id'), (c) =>
      db.select({ id: users.id, email: users.email }).from(users).where(or(inArray(users.id, c), inArray(users.email, t.users.filter((u) => c.includes(String(u.id))).map((u) => String(u.email))))),
    ),
    inChunks(ids(t.identity_sources, 'slug'), (c) => db.select({ v: identitySources.slug }).from(identitySources).where(inArray(identitySources.slug, c))),
    inChunks(ids(t.signing_keys, 'kid'), (c) => db.select({ v: signingKeys.kid }).from(signingKeys).where(inArray(signingKeys.kid, c))),
    inChunks(ids(t.settings, 'key'), (c) => db.select({ v: settings.key }).from(settings).where(inArray(settings.key, c))),
    db.select({ alg: signingKeys.alg, state: signingKeys.state }).from(signingKeys).where(inArray(signingKeys.state, ['active', 'next'])),
    // Token hashes are opened by now (the import opens every secret first).
    inChunks(ids(t.scim_tokens, 'id'), (c) =>
      db.select({ id: scimTokens.id, hash: scimTokens.tokenHash }).from(scimTokens).where(or(inArray(scimTokens.id, c), inArray(scimTokens.tokenHash, t.scim_tokens.filter((r) => c.includes(String(r.id))).map((r) => String(r.tokenHash))))),
    ),
    inChunks(ids(t.groups, 'id'), (c) =>
      db.select({ id: groups.id, name: groups.name }).from(groups).where(or(inArray(groups.id, c), inArray(groups.name, t.groups.filter((r) => c.includes(String(r.id))).map((r) => String(r.name))))),
    ),
  ]);
  const takenIds = new Set(userRows.map((r) => r.id));
  const takenEmails = new Set(userRows.map((r) => r.email));
  const takenEntities = new Set(entityRows.map((r) => r.v));
  const takenTokens = new Set(tokenRows.flatMap((r) => [r.id, r.hash]));
  const takenGroups = new Set(groupRows.flatMap((r) => [r.id, r.name]));
  return {
    // An app is "existing" when this deployment has its client ID, or a SAML app here has its entity ID.
    apps: new Set([...appRows.map((r) => r.v), ...t.saml_apps.filter((s) => takenEntities.has(String(s.entityId))).map((s) => String(s.clientId))]),
    // A user is "existing" when this deployment has the same id or the same email.
    userIds: new Set(t.users.filter((u) => takenIds.has(String(u.id)) || takenEmails.has(String(u.email))).map((u) => String(u.id))),
    sources: new Set(sourceRows.map((r) => r.v)),
    keys: new Set(keyRows.map((r) => r.v)),
    settings: new Set(settingRows.map((r) => r.v)),
    slots: new Set(slotRows.map((r) => `${r.alg}:${r.state}`)),
    // A SCIM token is "existing" when its id or its hash is here; a group when its id or its name is.
    scimTokens: new Set(t.scim_tokens.filter((r) => takenTokens.has(String(r.id)) || takenTokens.has(String(r.tokenHash))).map((r) => String(r.id))),
    scimTokenIds: new Set(tokenRows.map((r) => r.id)),
    groups: new Set(t.groups.filter((r) => takenGroups.has(String(r.id)) || takenGroups.has(String(r.name))).map((r) => String(r.id))),
  };
}

/**
 * An imported signing key keeps its state unless this deployment already has an active (or next)
 * key of its algorithm: then it is published as retiring, so tokens it signed still verify while
 * this deployment's own key signs.
 */
function keyState(row: Row, slots: Set<string>): Row {
  const state = String(row.state);
  if ((state === 'active' || state === 'next') && slots.has(`${String(row.alg)}:${state}`)) {
    return { ...row, state: 'retiring', retiredAt: nowSeconds() + MAX_TOKEN_TTL_SECONDS };
  }
  return row;
}


/** What the audit trail keeps of an import: how many rows of each table arrived, how many records were already here. */
export function importAuditDetail(report: ImportReport): Record<string, unknown> {
  return { imported: report.imported, existing: Object.fromEntries(Object.entries(report.existing).map(([kind, list]) => [kind, list.length])) };
}

// Identity sources in D1. Secret fields are sealed together (AES-GCM, additional data bound to
// the slug, which never changes) and opened only to run a flow; the API never returns them.
import { asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { replicaDb } from '../db/replica';
import { isUniqueViolation } from '../db/errors';
import { apps, identitySources, type IdentitySourceRow } from '../db/schema';
import { settingsFrom, type Bindings } from '../env';
import { forgetAllApps } from '../apps/cache';
import { ConflictError, NotFoundError } from '../lib/errors';
import { open, seal } from '../lib/secret-box';
import { nowSeconds } from '../lib/time';
import { TtlCache } from '../lib/ttl-cache';
import type { NewSourceInput, SourceChanges } from './input';
import { slugFrom } from './input';
import type { IdentitySource, Provisioning, SourceSecrets, SourceType } from './types';

const secretPurpose = (slug: string) => `identity-source:${slug}`;
const notFound = (slug: string) => new NotFoundError(`No identity source with slug "${slug}".`);

export interface SourceWithSecrets {
  source: IdentitySource;
  secrets: SourceSecrets;
}

async function openRow(kek: string, row: IdentitySourceRow): Promise<SourceWithSecrets> {
  const secrets = JSON.parse(await open(kek, row.secretsEncrypted, secretPurpose(row.slug))) as SourceSecrets;
  const source: IdentitySource = {
    slug: row.slug,
    type: row.type as SourceType,
    name: row.name,
    enabled: row.enabled,
    show_on_login_page: row.showOnLoginPage,
    provisioning: row.provisioning as Provisioning,
    allowed_domains: row.allowedDomains,
    claim_map: row.claimMap,
    group_map: row.groupMap,
    trust_email_for_linking: row.trustEmailForLinking,
    client_id: row.clientId,
    scopes: row.scopes,
    config: row.config,
    secrets_set: Object.keys(secrets).filter((k) => secrets[k] !== ''),
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
  return { source, secrets };
}

export async function listSources(db: Database, kek: string): Promise<IdentitySource[]> {
  const rows = await db.select().from(identitySources).orderBy(asc(identitySources.name), asc(identitySources.slug)).limit(500);
  return Promise.all(rows.map(async (row) => (await openRow(kek, row)).source));
}

export async function getSource(db: Database, kek: string, slug: string): Promise<SourceWithSecrets | null> {
  const [row] = await db.select().from(identitySources).where(eq(identitySources.slug, slug)).limit(1);
  return row ? openRow(kek, row) : null;
}

export async function requireSource(db: Database, kek: string, slug: string): Promise<SourceWithSecrets> {
  const found = await getSource(db, kek, slug);
  if (!found) throw notFound(slug);
  return found;
}

async function freeSlug(db: Database, base: string): Promise<string> {
  const [taken] = await db.select({ n: sql<number>`count(*)` }).from(identitySources).where(eq(identitySources.slug, base));
  if (!taken?.n) return base;
  const suffix = crypto.getRandomValues(new Uint8Array(3)).reduce((s, b) => s + (b % 36).toString(36), '');
  return `${base.slice(0, 35)}-${suffix}`;
}

export async function createSource(db: Database, kek: string, input: NewSourceInput): Promise<SourceWithSecrets> {
  const slug = input.slug ?? (await freeSlug(db, slugFrom(input.name)));
  const now = nowSeconds();
  try {
    await db.insert(identitySources).values({
      slug,
      type: input.type,
      name: input.name,
      enabled: input.enabled,
      showOnLoginPage: input.show_on_login_page,
      provisioning: input.provisioning,
      allowedDomains: input.allowed_domains,
      claimMap: input.claim_map as Record<string, string>,
      groupMap: input.group_map,
      trustEmailForLinking: input.trust_email_for_linking,
      clientId: input.client_id,
      scopes: input.scopes,
      config: input.config,
      secretsEncrypted: await seal(kek, JSON.stringify(input.secrets), secretPurpose(slug)),
      createdAt: now,
      updatedAt: now,
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('slug', `An identity source with slug "${slug}" already exists. Choose another slug.`);
    throw error;
  }
  forgetSources();
  return requireSource(db, kek, slug);
}

export async function updateSource(db: Database, kek: string, slug: string, changes: SourceChanges): Promise<SourceWithSecrets> {
  const current = await requireSource(db, kek, slug);
  const { fields } = changes;
  const secrets = { ...current.secrets, ...changes.secrets };
  await db
    .update(identitySources)
    .set({
      name: fields.name,
      enabled: fields.enabled,
      showOnLoginPage: fields.show_on_login_page,
      provisioning: fields.provisioning,
      allowedDomains: fields.allowed_domains,
      claimMap: fields.claim_map as Record<string, string> | undefined,
      groupMap: fields.group_map,
      trustEmailForLinking: fields.trust_email_for_linking,
      clientId: fields.client_id,
      scopes: fields.scopes,
      config: fields.config,
      ...(Object.keys(changes.secrets).length ? { secretsEncrypted: await seal(kek, JSON.stringify(secrets), secretPurpose(slug)) } : {}),
      updatedAt: nowSeconds(),
    })
    .where(eq(identitySources.slug, slug));
  forgetSources();
  return requireSource(db, kek, slug);
}

/** Deletes the source and its linked identities; apps that named it fall back to edge-sso's login page. */
export async function deleteSource(db: Database, slug: string): Promise<void> {
  const [, deleted] = await db.batch([
    db.update(apps).set({ identitySource: null }).where(eq(apps.identitySource, slug)),
    db.delete(identitySources).where(eq(identitySources.slug, slug)).returning({ slug: identitySources.slug }),
  ]);
  if (deleted.length === 0) throw notFound(slug);
  forgetSources();
  forgetAllApps();
}

// --- What sign-in reads, through the isolate cache -------------------------------------------

const served = new TtlCache<string, Promise<SourceWithSecrets | null>>();
const loginButtons = new TtlCache<'all', Promise<LoginSource[]>>();

export interface LoginSource {
  slug: string;
  name: string;
  type: SourceType;
}

function forgetSources(): void {
  served.clear();
  loginButtons.clear();
}

/** An enabled source with its secrets, as a sign-in uses it (cached for CONFIG_CACHE_SECONDS). */
export async function loadServedSource(env: Bindings, slug: string): Promise<SourceWithSecrets | null> {
  const found = await TtlCache.load(served, slug, settingsFrom(env).configCacheSeconds, () => getSource(replicaDb(env.DB), env.KEY_ENCRYPTION_KEY, slug));
  return found?.source.enabled ? found : null;
}

/** The enabled sources marked for the login page, for its "Continue with …" buttons. */
export async function loadLoginSources(env: Bindings): Promise<LoginSource[]> {
  const list = await TtlCache.load(loginButtons, 'all', settingsFrom(env).configCacheSeconds, async () =>
    (
      await replicaDb(env.DB)
        .select({ slug: identitySources.slug, name: identitySources.name, type: identitySources.type, show: identitySources.showOnLoginPage, enabled: identitySources.enabled })
        .from(identitySources)
        .orderBy(asc(identitySources.name))
        .limit(50)
    )
      .filter((s) => s.enabled && s.show)
      .map((s) => ({ slug: s.slug, name: s.name, type: s.type as SourceType })),
  );
  return list;
}

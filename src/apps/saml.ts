// A SAML app's service-provider settings, as the registry stores them (table saml_apps). Its ACS
// URLs are the app's `login` redirect URLs, so the redirect rules (https, exact match, never an
// unregistered URL) hold for assertions as they do for tokens. The protocol lives in src/saml/.
import { eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client';
import { samlApps, type SamlAppRow, type SamlSignedPart } from '../db/schema';
import { randomToken } from '../lib/encoding';

/** Where the SAML identity provider answers (src/saml/routes.tsx); its entity ID is its metadata URL. */
export const SAML_PATHS = { metadata: '/saml/metadata', sso: '/saml/sso', launch: '/saml/launch' } as const;

export function samlEndpoints(issuer: string) {
  return { idp_entity_id: `${issuer}${SAML_PATHS.metadata}`, metadata_url: `${issuer}${SAML_PATHS.metadata}`, sso_url: `${issuer}${SAML_PATHS.sso}` };
}

export const NAME_ID_FORMATS = {
  email: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  transient: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
} as const;
export type NameIdFormat = keyof typeof NAME_ID_FORMATS;
export const NAME_ID_FORMAT_NAMES = Object.keys(NAME_ID_FORMATS) as NameIdFormat[];
export const SIGNED_PARTS = ['assertion', 'response', 'both'] as const satisfies readonly SamlSignedPart[];

/** The user fields an assertion's AttributeStatement carries, each under a name the app may change. */
export const SAML_ATTRIBUTES = ['email', 'name', 'given_name', 'family_name', 'groups'] as const;
export type SamlAttribute = (typeof SAML_ATTRIBUTES)[number];
/** Attribute name per field; "" leaves the attribute out. */
export type SamlAttributeNames = Record<SamlAttribute, string>;
export const DEFAULT_ATTRIBUTE_NAMES: SamlAttributeNames = { email: 'email', name: 'name', given_name: 'given_name', family_name: 'family_name', groups: 'groups' };

export interface SamlSettings {
  entityId: string;
  nameIdFormat: NameIdFormat;
  attributeNames: SamlAttributeNames;
  sign: SamlSignedPart;
  /** The SP's metadata asks for signed AuthnRequests: unsigned ones are refused. */
  requestsSigned: boolean;
  /** The SP's signing certificates (base64 DER) from its metadata. */
  certificates: string[];
  /** AssertionConsumerServiceIndex → ACS URL, from the SP's metadata (HTTP-POST endpoints only). */
  acsIndexes: Record<string, string>;
  /** HMAC key of persistent NameIDs (see src/saml/name-id.ts). */
  pseudonymKey: string;
}

/** What the admin gives; the pseudonym key is made by the store. */
export type SamlSettingsInput = Omit<SamlSettings, 'pseudonymKey'>;

export function toSamlSettings(row: SamlAppRow): SamlSettings {
  return {
    entityId: row.entityId,
    nameIdFormat: (NAME_ID_FORMAT_NAMES as string[]).includes(row.nameIdFormat) ? (row.nameIdFormat as NameIdFormat) : 'unspecified',
    attributeNames: { ...DEFAULT_ATTRIBUTE_NAMES, ...row.attributeNames },
    sign: row.sign,
    requestsSigned: row.requestsSigned,
    certificates: row.certificates,
    acsIndexes: row.acsIndexes ?? {},
    pseudonymKey: row.pseudonymKey,
  };
}

export async function samlSettingsOf(db: Database, clientIds: string[]): Promise<Map<string, SamlSettings>> {
  if (clientIds.length === 0) return new Map();
  const rows = await db.select().from(samlApps).where(inArray(samlApps.clientId, clientIds));
  return new Map(rows.map((row) => [row.clientId, toSamlSettings(row)]));
}

/** The app whose SP has this entity ID, if any. */
export async function clientIdForEntity(db: Database, entityId: string): Promise<string | null> {
  const [row] = await db.select({ clientId: samlApps.clientId }).from(samlApps).where(eq(samlApps.entityId, entityId)).limit(1);
  return row?.clientId ?? null;
}

/** The insert of a new app's settings (run in the app's own batch). */
export function insertSamlSettings(db: Database, clientId: string, input: SamlSettingsInput) {
  return db.insert(samlApps).values({ clientId, ...input, pseudonymKey: randomToken(32) });
}

/** The update of an app's settings: only the fields given change. */
export function updateSamlSettings(db: Database, clientId: string, changes: Partial<SamlSettingsInput>) {
  return db.update(samlApps).set(changes).where(eq(samlApps.clientId, clientId));
}

/** The admin API's JSON of a SAML app's settings (the pseudonym key is never shown). */
export function samlToJson(settings: SamlSettings, acsUrls: string[]) {
  return {
    entity_id: settings.entityId,
    acs_urls: acsUrls,
    name_id_format: settings.nameIdFormat,
    attribute_map: settings.attributeNames,
    sign: settings.sign,
    requests_signed: settings.requestsSigned,
    certificates: settings.certificates.length,
    acs_indexes: settings.acsIndexes,
  };
}

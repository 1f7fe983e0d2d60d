import { sql } from 'drizzle-orm';
import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { apps } from './core';

// --- SAML apps (src/saml/): edge-sso as the identity provider. -------------------------------

/** Which part of the answer carries the signature: the assertion (the default), the whole Response, or both. */
export type SamlSignedPart = 'assertion' | 'response' | 'both';

/**
 * A SAML app's service-provider settings, one row per app of protocol `saml` (its ACS URLs are
 * the app's `login` redirect URLs). Written by the admin API and console; goes with its app.
 */
export const samlApps = sqliteTable(
  'saml_apps',
  {
    clientId: text('client_id')
      .primaryKey()
      .references(() => apps.clientId, { onDelete: 'cascade' }),
    /** The SP's entity ID: the Issuer of its AuthnRequests and the Audience of our assertions. */
    entityId: text('entity_id').notNull(),
    /** The NameID format used unless the AuthnRequest asks for email or persistent. */
    nameIdFormat: text('name_id_format').notNull(),
    /** SAML attribute name per user field (email, name, given_name, family_name, groups); "" leaves it out. */
    attributeNames: text('attribute_names', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    sign: text('sign').$type<SamlSignedPart>().notNull().default('assertion'),
    /** The SP's metadata says AuthnRequestsSigned: unsigned requests are refused. */
    requestsSigned: integer('requests_signed', { mode: 'boolean' }).notNull().default(false),
    /** The SP's signing certificates from its metadata (base64 DER), which verify its AuthnRequests. */
    certificates: text('certificates', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    /** The SP metadata's AssertionConsumerServiceIndex → HTTP-POST ACS URL ({} when typed in): an AuthnRequest may name its ACS by index. */
    acsIndexes: text('acs_indexes', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    /** Key of the app's persistent NameIDs (HMAC of the user id): stable per app, unlinkable across apps. */
    pseudonymKey: text('pseudonym_key').notNull(),
  },
  (t) => [uniqueIndex('saml_apps_entity_id').on(t.entityId)],
);

export type SamlAppRow = typeof samlApps.$inferSelect;

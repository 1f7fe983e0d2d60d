// Parses the admin's JSON for creating or changing an identity source. Common settings are
// checked here; type-specific fields (issuer, tenant, domain, secrets…) come from the preset's
// declarative `fields`, at the top level of the JSON. Every invalid field is reported at once.
import { asObject, FieldReader } from '../lib/validation';
import { SLUG_PATTERN } from '../lib/slug';
import { availableTypes, presetFor } from './registry';
import { CLAIM_MAP_FIELDS, type ClaimMap, type GroupMap, type IdentitySource, type Preset, type Provisioning, type SourceConfig, type SourceSecrets, type SourceType } from './types';

/** Paths of the console's identity source pages that a slug would shadow. */
const RESERVED_SLUGS = new Set(['new']);
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
/** A claim name or dotted path; URIs too (ADFS sends claims named by URI). */
const CLAIM_NAME = /^[\x21-\x7e]{1,200}$/;
/** RFC 6749 scope-token. */
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/;
const PRINTABLE = /^[^\u0000-\u001f\u007f]*$/;
const MAX_RENAMES = 200;
export const PROVISIONING: readonly Provisioning[] = ['create', 'existing'];

/** The editable settings of a source: everything stored but its identity (slug, type), secrets and times. */
export type SourceFields = Omit<IdentitySource, 'slug' | 'type' | 'secrets_set' | 'created_at' | 'updated_at'>;

export interface NewSourceInput extends SourceFields {
  slug?: string;
  type: SourceType;
  secrets: SourceSecrets;
}

export interface SourceChanges {
  fields: Partial<SourceFields>;
  /** Secret fields to replace; absent ones keep their stored value. */
  secrets: SourceSecrets;
}

const COMMON = ['name', 'enabled', 'show_on_login_page', 'provisioning', 'allowed_domains', 'claim_map', 'group_map', 'trust_email_for_linking', 'client_id', 'scopes'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readScopes(fields: FieldReader, preset: Preset): string[] | undefined {
  const value = fields.input.scopes;
  if (value === undefined || value === null) return undefined;
  const list = typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : value;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) return fields.fail('scopes', 'must be an array of scopes or one space-separated string');
  const scopes = [...new Set(list as string[])];
  if (scopes.length > 30) return fields.fail('scopes', 'must have at most 30 entries');
  const bad = scopes.find((s) => !SCOPE.test(s));
  if (bad !== undefined) return fields.fail('scopes', `has an invalid scope "${bad}"`);
  if (preset.protocol.kind === 'oidc' && !scopes.includes('openid')) return fields.fail('scopes', 'must include "openid" (this is an OpenID Connect source)');
  return scopes;
}

function readDomains(fields: FieldReader): string[] | undefined {
  const value = fields.input.allowed_domains;
  if (value === undefined || value === null) return undefined;
  const list = typeof value === 'string' ? value.split(/[\s,;]+/).filter(Boolean) : value;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) return fields.fail('allowed_domains', 'must be an array of domain names');
  const domains = [...new Set((list as string[]).map((d) => d.trim().toLowerCase().replace(/^@/, '')))].filter(Boolean);
  if (domains.length > 50) return fields.fail('allowed_domains', 'must have at most 50 entries');
  const bad = domains.find((d) => !DOMAIN.test(d));
  if (bad !== undefined) return fields.fail('allowed_domains', `has an invalid domain "${bad}" (write it like example.com)`);
  return domains;
}

function readClaimMap(fields: FieldReader): ClaimMap | undefined {
  const value = fields.input.claim_map;
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) return fields.fail('claim_map', `must be an object mapping ${CLAIM_MAP_FIELDS.join(', ')} to upstream claim names`);
  const map: ClaimMap = {};
  for (const [key, claim] of Object.entries(value)) {
    if (!(CLAIM_MAP_FIELDS as readonly string[]).includes(key)) return fields.fail('claim_map', `has an unknown field "${key}" (expected: ${CLAIM_MAP_FIELDS.join(', ')})`);
    if (claim === '' || claim === null) continue;
    if (typeof claim !== 'string' || !CLAIM_NAME.test(claim)) return fields.fail('claim_map', `"${key}" must name a claim (up to 200 characters, no spaces)`);
    map[key as keyof ClaimMap] = claim;
  }
  return map;
}

/**
 * A new source's groups are prefixed with `<slug>:` unless the admin says otherwise: without it any
 * upstream could assert `finance` and open an app limited to edge-sso's own `finance` group. An
 * empty prefix (or a rename, which names edge-sso's group) maps names on purpose.
 */
export const defaultGroupPrefix = (slug: string | undefined) => (slug ? `${slug}:` : '');

function readGroupMap(fields: FieldReader, preset: Preset, defaultPrefix = ''): GroupMap | undefined {
  const value = fields.input.group_map;
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) return fields.fail('group_map', 'must be an object: { claim, prefix, rename }');
  const unknown = Object.keys(value).find((k) => !['claim', 'prefix', 'rename'].includes(k));
  if (unknown) return fields.fail('group_map', `has an unknown field "${unknown}" (expected: claim, prefix, rename)`);
  const claim = value.claim ?? preset.default_group_claim ?? 'groups';
  if (typeof claim !== 'string' || !CLAIM_NAME.test(claim)) return fields.fail('group_map.claim', 'must name a claim (up to 200 characters, no spaces)');
  const prefix = value.prefix ?? defaultPrefix;
  if (typeof prefix !== 'string' || prefix.length > 50 || !PRINTABLE.test(prefix)) return fields.fail('group_map.prefix', 'must be text of at most 50 characters');
  const rename = value.rename ?? {};
  if (!isObject(rename)) return fields.fail('group_map.rename', 'must be an object mapping upstream group names to edge-sso group names');
  const entries = Object.entries(rename);
  if (entries.length > MAX_RENAMES) return fields.fail('group_map.rename', `must have at most ${MAX_RENAMES} entries`);
  for (const [from, to] of entries) {
    if (from === '' || from.length > 256 || !PRINTABLE.test(from) || typeof to !== 'string' || to.trim() === '' || to.length > 200 || !PRINTABLE.test(to)) {
      return fields.fail('group_map.rename', `"${from.slice(0, 50)}" must map to a non-empty group name of at most 200 characters`);
    }
  }
  return { claim, prefix, rename: Object.fromEntries(entries.map(([from, to]) => [from, (to as string).trim()])) };
}

/** The preset's own fields: non-secret ones into `config`, secret ones into `secrets`. */
function readPresetFields(fields: FieldReader, preset: Preset, creating: boolean): { config: SourceConfig; secrets: SourceSecrets } {
  const config: SourceConfig = {};
  const secrets: SourceSecrets = {};
  for (const field of preset.fields) {
    const required = field.required && (creating || (!field.secret && fields.has(field.name)));
    if (field.kind === 'boolean' || field.kind === 'integer') {
      const flag = field.kind === 'boolean' ? fields.boolean(field.name) : fields.integer(field.name, field.min ?? 0, field.max ?? Number.MAX_SAFE_INTEGER);
      if (flag !== undefined) config[field.name] = flag;
      continue;
    }
    let value: string | string[] | undefined;
    if (field.kind === 'list') {
      value = fields.stringList(field.name, { maxItems: 100, maxLength: field.max ?? 200 });
      if (required && (value === undefined || value.length === 0) && !fields.errors[field.name]) fields.fail(field.name, 'is required');
    } else {
      // A multiline field (pasted metadata XML, a PEM key) keeps its line breaks and tabs.
      const kind = field.kind === 'multiline' ? 'text' : 'line';
      value = fields.string(field.name, { required, notEmpty: field.secret, max: field.max ?? 500, trim: field.kind !== 'multiline', kind });
      if (field.kind === 'multiline' && typeof value === 'string') value = value.trim();
    }
    if (value === undefined) continue;
    // An optional field left empty (GitHub's Enterprise Server URL for github.com) is unset, not invalid.
    if (!field.required && (value === '' || (Array.isArray(value) && value.length === 0))) {
      if (!field.secret) config[field.name] = value;
      continue;
    }
    const problem = field.validate?.(value);
    if (problem) {
      fields.fail(field.name, problem);
      continue;
    }
    if (field.secret) secrets[field.name] = value as string;
    else config[field.name] = value;
  }
  return { config, secrets };
}

/** The preset's checks across fields, on the config as it will be stored. */
function checkConfig(fields: FieldReader, preset: Preset, config: SourceConfig): void {
  for (const [name, message] of Object.entries(preset.validateConfig?.(config) ?? {})) if (!fields.errors[name]) fields.fail(name, message);
}

function readCommon(fields: FieldReader, preset: Preset, creating: boolean, groupPrefix = ''): Partial<SourceFields> {
  return {
    name: fields.string('name', { notEmpty: true, max: 100 }),
    enabled: fields.boolean('enabled'),
    show_on_login_page: fields.boolean('show_on_login_page'),
    provisioning: fields.oneOf('provisioning', PROVISIONING),
    allowed_domains: readDomains(fields),
    claim_map: readClaimMap(fields),
    group_map: readGroupMap(fields, preset, groupPrefix),
    trust_email_for_linking: fields.boolean('trust_email_for_linking'),
    client_id: fields.string('client_id', { required: creating && (preset.protocol.kind === 'oidc' || preset.protocol.kind === 'oauth2'), max: 500 }),
    scopes: readScopes(fields, preset),
  };
}

const defined = <T extends object>(values: T): Partial<T> => Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;

export function parseNewSource(body: unknown): NewSourceInput {
  const fields = new FieldReader(asObject(body));
  const types = availableTypes();
  const type = fields.oneOf('type', types);
  if (!type && !fields.errors.type) fields.fail('type', `is required: one of ${types.join(', ')}`);
  if (!type) {
    fields.done();
    throw new Error('unreachable');
  }
  const preset = presetFor(type);
  fields.onlyKeys(['type', 'slug', ...COMMON, ...preset.fields.map((f) => f.name)]);
  const slug = fields.string('slug', { notEmpty: true, max: 40 });
  if (slug !== undefined && !SLUG_PATTERN.test(slug)) fields.fail('slug', 'must be 1 to 40 lower-case letters, digits or "-", not starting or ending with "-"');
  else if (slug !== undefined && RESERVED_SLUGS.has(slug)) fields.fail('slug', `"${slug}" is reserved (the console uses that path); choose another`);
  const common = readCommon(fields, preset, true, defaultGroupPrefix(slug));
  const { config, secrets } = readPresetFields(fields, preset, true);
  checkConfig(fields, preset, config);
  fields.done();
  return {
    slug,
    type,
    name: common.name ?? preset.label,
    enabled: common.enabled ?? true,
    show_on_login_page: common.show_on_login_page ?? true,
    provisioning: common.provisioning ?? 'create',
    allowed_domains: common.allowed_domains ?? [],
    claim_map: common.claim_map ?? {},
    group_map: common.group_map ?? { claim: preset.default_group_claim ?? 'groups', prefix: defaultGroupPrefix(slug), rename: {} },
    trust_email_for_linking: common.trust_email_for_linking ?? false,
    client_id: common.client_id ?? '',
    scopes: common.scopes ?? preset.default_scopes,
    config,
    secrets,
  };
}

/** Changes to `source`: the type and slug are fixed; type-specific fields merge into the stored config. */
export function parseSourceChanges(body: unknown, source: IdentitySource): SourceChanges {
  const fields = new FieldReader(asObject(body));
  const preset = presetFor(source.type);
  fields.onlyKeys([...COMMON, ...preset.fields.map((f) => f.name)]);
  if (fields.has('type') || fields.has('slug')) fields.fail(fields.has('type') ? 'type' : 'slug', 'cannot be changed; delete the source and add a new one');
  const common = defined(readCommon(fields, preset, false));
  const { config, secrets } = readPresetFields(fields, preset, false);
  if (Object.keys(config).length) checkConfig(fields, preset, { ...source.config, ...config });
  fields.done();
  const changes: Partial<SourceFields> = { ...common };
  if (Object.keys(config).length) changes.config = { ...source.config, ...config };
  return { fields: changes, secrets };
}

/** A slug made from a name: "Acme Okta" → "acme-okta". */
export function slugFrom(name: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return SLUG_PATTERN.test(slug) && !RESERVED_SLUGS.has(slug) ? slug : 'source';
}

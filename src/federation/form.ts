// The console's identity source form as flat fields, and back to the admin API's JSON input, so
// the console and the API go through the same validation (./input.ts).
import { presetFor } from './registry';
import { CLAIM_MAP_FIELDS, type IdentitySource, type SourceType } from './types';

export type SourceFormValues = Record<string, string>;
const CHECKBOXES = ['enabled', 'show_on_login_page', 'trust_email_for_linking'] as const;

/** "from = to" lines ⇄ a rename table. */
export function formatRenames(rename: Record<string, string>): string {
  return Object.entries(rename)
    .map(([from, to]) => `${from} = ${to}`)
    .join('\n');
}

export function parseRenames(text: string): Record<string, string> | string {
  const rename: Record<string, string> = {};
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    const at = line.lastIndexOf('=');
    if (at <= 0) return `line ${i + 1} must look like “upstream group = edge-sso group”`;
    rename[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return rename;
}

export function formValuesOf(source: IdentitySource): SourceFormValues {
  const values: SourceFormValues = {
    type: source.type,
    slug: source.slug,
    name: source.name,
    client_id: source.client_id,
    scopes: source.scopes.join(' '),
    provisioning: source.provisioning,
    allowed_domains: source.allowed_domains.join('\n'),
    'group_map.claim': source.group_map.claim,
    'group_map.prefix': source.group_map.prefix,
    'group_map.rename': formatRenames(source.group_map.rename),
  };
  for (const box of CHECKBOXES) values[box] = source[box] ? 'on' : '';
  for (const field of CLAIM_MAP_FIELDS) values[`claim_map.${field}`] = source.claim_map[field] ?? '';
  for (const [key, value] of Object.entries(source.config)) values[key] = Array.isArray(value) ? value.join('\n') : typeof value === 'boolean' ? (value ? 'on' : '') : String(value);
  return values;
}

/** The names the form posts for a type. */
export function formFieldNames(type: SourceType): string[] {
  return [
    'name',
    'slug',
    'client_id',
    'scopes',
    'provisioning',
    'allowed_domains',
    'group_map.claim',
    'group_map.prefix',
    'group_map.no_prefix',
    'group_map.rename',
    ...CHECKBOXES,
    ...CLAIM_MAP_FIELDS.map((f) => `claim_map.${f}`),
    ...presetFor(type).fields.map((f) => f.name),
  ];
}

/** The API input for the submitted form. Empty secret fields keep the stored secret on edit. */
export function toApiInput(type: SourceType, values: SourceFormValues, creating: boolean): { input: Record<string, unknown>; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const rename = parseRenames(values['group_map.rename'] ?? '');
  if (typeof rename === 'string') errors['group_map.rename'] = rename;
  const input: Record<string, unknown> = {
    name: values.name,
    client_id: values.client_id,
    scopes: values.scopes || undefined,
    provisioning: values.provisioning || undefined,
    allowed_domains: values.allowed_domains ?? '',
    enabled: values.enabled === 'on',
    show_on_login_page: values.show_on_login_page === 'on',
    trust_email_for_linking: values.trust_email_for_linking === 'on',
    claim_map: Object.fromEntries(CLAIM_MAP_FIELDS.map((f) => [f, values[`claim_map.${f}`] ?? ''])),
    group_map: {
      claim: values['group_map.claim'] || undefined,
      // A new source's empty prefix means the default `<slug>:`; no prefix at all is a choice made on purpose.
      prefix: values['group_map.no_prefix'] === 'on' ? '' : creating && !values['group_map.prefix'] ? undefined : (values['group_map.prefix'] ?? ''),
      rename: typeof rename === 'string' ? {} : rename,
    },
  };
  if (creating) {
    input.type = type;
    if (values.slug) input.slug = values.slug;
  }
  for (const field of presetFor(type).fields) {
    const value = values[field.name] ?? '';
    if (field.kind === 'boolean') {
      input[field.name] = value === 'on';
      continue;
    }
    if (field.secret && value === '' && (!creating || !field.required)) continue;
    if (field.kind === 'integer' && value.trim() === '') continue;
    input[field.name] = field.kind === 'list' ? value.split(/[\s,]+/).filter(Boolean) : field.kind === 'integer' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
  }
  return { input, errors };
}

// The console's identity source form as flat fields, and back to the admin API's JSON input, so
// the console and the API go through the same validation (./input.ts).
import { presetFor } from './registry';
import { CLAIM_MAP_FIELDS, type IdentitySource, type SourceType } from './types';

export type SourceFormValues = Record<string, string>;
const CHECKBOXES = ['enabled', 'show_on_login_page', 'trust_email_for_linking'] as const;

/** The most rename pairs the form reads: as many as the API allows (input.ts), so an edit never drops one. */
export const RENAME_ROWS = 200;
/** The form's field names of rename pair `i`. */
export const renameField = (i: number, side: 'from' | 'to') => `group_map.rename.${i}.${side}`;

/** How many pair rows the form shows: the stored pairs and room for two more (one more each save). */
export function renameRows(values: SourceFormValues): number {
  let used = 0;
  for (let i = 0; i < RENAME_ROWS; i++) if (values[renameField(i, 'from')] || values[renameField(i, 'to')]) used = i + 1;
  return Math.min(RENAME_ROWS, Math.max(3, used + 2));
}

/** The pairs as a rename table; a half-filled pair is an error next to its empty side. */
function readRenames(values: SourceFormValues, errors: Record<string, string>): Record<string, string> {
  const rename: Record<string, string> = {};
  for (let i = 0; i < RENAME_ROWS; i++) {
    const from = (values[renameField(i, 'from')] ?? '').trim();
    const to = (values[renameField(i, 'to')] ?? '').trim();
    if (!from && !to) continue;
    if (!from) errors[renameField(i, 'from')] = 'name the upstream group to rename';
    else if (!to) errors[renameField(i, 'to')] = `name the edge-sso group that “${from.slice(0, 50)}” becomes`;
    else rename[from] = to;
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
  };
  for (const [i, [from, to]] of Object.entries(source.group_map.rename).slice(0, RENAME_ROWS).entries()) {
    values[renameField(i, 'from')] = from;
    values[renameField(i, 'to')] = to;
  }
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
    ...Array.from({ length: RENAME_ROWS }, (_, i) => [renameField(i, 'from'), renameField(i, 'to')]).flat(),
    ...CHECKBOXES,
    ...CLAIM_MAP_FIELDS.map((f) => `claim_map.${f}`),
    ...presetFor(type).fields.map((f) => f.name),
  ];
}

/** The API input for the submitted form. Empty secret fields keep the stored secret on edit. */
export function toApiInput(type: SourceType, values: SourceFormValues, creating: boolean): { input: Record<string, unknown>; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const rename = readRenames(values, errors);
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
    // A provider without groups (GitHub…) has no group fields in the form: the stored mapping is kept.
    group_map: presetFor(type).sends_groups === false ? undefined : {
      claim: values['group_map.claim'] || undefined,
      // A new source's empty prefix means the default `<slug>:`; no prefix at all is a choice made on purpose.
      prefix: values['group_map.no_prefix'] === 'on' ? '' : creating && !values['group_map.prefix'] ? undefined : (values['group_map.prefix'] ?? ''),
      rename,
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

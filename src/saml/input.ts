// The admin's JSON for a SAML app: `{ name, "type": "saml", "saml": { metadata_xml } }` or
// `{ "saml": { entity_id, acs_url, name_id_format?, attribute_map?, sign? } }`, plus the fields
// every app has (access, mfa, branding, identity source). The ACS URLs become the app's redirect
// URLs, checked by the same rules. Every invalid field is reported at once.
import type { App } from '../apps/app';
import { parseAppChanges, parseNewApp, type AppFields, type NewAppInput } from '../apps/input';
import { checkRegisteredRedirect, splitRedirectList } from '../apps/redirects';
import { NAME_ID_FORMAT_NAMES, SAML_ATTRIBUTES, SIGNED_PARTS, type SamlAttributeNames, type SamlSettingsInput, DEFAULT_ATTRIBUTE_NAMES } from '../apps/saml';
import { ValidationError } from '../lib/errors';
import { asObject, FieldReader, textProblem, type Input } from '../lib/validation';
import { parseSpMetadata } from './sp-metadata';
import { rsaKeyOfCertificate } from '../tokens/x509';

/** The fields of any app that a SAML app has too; the others (redirect URLs, signing, OIDC) do not apply. */
const COMMON = ['name', 'description', 'access', 'mfa', 'branding', 'identity_source'];
const SAML_KEYS = ['metadata_xml', 'entity_id', 'acs_url', 'name_id_format', 'attribute_map', 'sign'];
const MAX_ACS_URLS = 10;

export const isSamlRequest = (body: unknown) => typeof body === 'object' && body !== null && (body as Input).type === 'saml';

function readEntityId(fields: FieldReader): string | undefined {
  const value = fields.string('entity_id', { max: 1024, notEmpty: true });
  if (value !== undefined && /\s/.test(value)) return fields.fail('entity_id', 'must not contain spaces');
  return value;
}

function readAcsUrls(fields: FieldReader, raw: unknown): string[] | undefined {
  const list = splitRedirectList(raw);
  if (!list || list.length === 0) return fields.fail('acs_url', 'must be the https URL of the SP’s assertion consumer service (or an array of them)');
  if (list.length > MAX_ACS_URLS) return fields.fail('acs_url', `may list at most ${MAX_ACS_URLS} URLs`);
  const urls: string[] = [];
  for (const entry of list) {
    const check = checkRegisteredRedirect(entry);
    if (!check.ok) return fields.fail('acs_url', `"${entry}" ${check.reason}`);
    if (!urls.includes(check.url)) urls.push(check.url);
  }
  return urls;
}

function readAttributeNames(fields: FieldReader): SamlAttributeNames | undefined {
  if (!fields.has('attribute_map')) return undefined;
  const value = fields.value('attribute_map');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fields.fail('attribute_map', `must be an object of user field → SAML attribute name (fields: ${SAML_ATTRIBUTES.join(', ')})`);
  const names: SamlAttributeNames = { ...DEFAULT_ATTRIBUTE_NAMES };
  for (const [field, name] of Object.entries(value)) {
    if (!(SAML_ATTRIBUTES as readonly string[]).includes(field)) return fields.fail('attribute_map', `"${field}" is not a user field; use one of: ${SAML_ATTRIBUTES.join(', ')}`);
    if (typeof name !== 'string' || name.length > 256 || textProblem(name, 'line')) return fields.fail('attribute_map', `the name for ${field} must be a line of at most 256 characters ("" leaves it out)`);
    names[field as keyof SamlAttributeNames] = name.trim();
  }
  return names;
}

/** Checks that each certificate is an RSA certificate (what verifies the SP's signed requests). */
async function checkCertificates(certificates: string[]): Promise<string | null> {
  for (const [i, cert] of certificates.entries()) {
    if (!(await rsaKeyOfCertificate(cert, 'SHA-256'))) return `signing certificate ${i + 1} is not an RSA X.509 certificate`;
  }
  return null;
}

type SamlPart = Partial<SamlSettingsInput> & { acsUrls?: string[] };

/** Reads the `saml` object; on a change, only what it names. */
async function readSaml(outer: FieldReader, creating: boolean): Promise<SamlPart> {
  const raw = outer.value('saml');
  if (raw === undefined) {
    if (creating) outer.fail('saml', 'is required: { "metadata_xml": "…" } or { "entity_id": "…", "acs_url": "…" }');
    return {};
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    outer.fail('saml', 'must be an object');
    return {};
  }
  const fields = new FieldReader(raw as Input);
  fields.onlyKeys(SAML_KEYS);
  const part: SamlPart = {};
  if (fields.has('metadata_xml')) {
    if (fields.has('entity_id') || fields.has('acs_url')) fields.fail('metadata_xml', 'comes with its own entity ID and ACS URLs: give either metadata_xml or entity_id and acs_url');
    const xml = fields.string('metadata_xml', { max: 100_000, notEmpty: true, kind: 'any' });
    if (xml !== undefined) {
      const parsed = parseSpMetadata(xml);
      if (!parsed.ok) fields.fail('metadata_xml', parsed.reason);
      else {
        const { entityId, acsUrls, acsIndexes, certificates, requestsSigned, nameIdFormat } = parsed.metadata;
        Object.assign(part, { entityId, certificates, requestsSigned, acsIndexes, ...(nameIdFormat ? { nameIdFormat } : {}) });
        part.acsUrls = readAcsUrls(fields, acsUrls);
        const bad = await checkCertificates(certificates);
        if (bad) fields.fail('metadata_xml', bad);
      }
    }
  } else {
    if (creating && !fields.has('entity_id')) fields.fail('entity_id', 'is required (or give metadata_xml)');
    if (creating && !fields.has('acs_url')) fields.fail('acs_url', 'is required (or give metadata_xml)');
    if (fields.has('entity_id')) part.entityId = readEntityId(fields);
    // Typed ACS URLs have no indexes (only metadata gives them): the old ones are forgotten.
    if (fields.has('acs_url')) Object.assign(part, { acsUrls: readAcsUrls(fields, fields.value('acs_url')), acsIndexes: {} });
    // Typed settings have no certificate: the SP's requests are then not signed (nothing to verify them with).
    if (creating) Object.assign(part, { certificates: [], requestsSigned: false });
  }
  const format = fields.oneOf('name_id_format', NAME_ID_FORMAT_NAMES);
  if (format) part.nameIdFormat = format;
  const names = readAttributeNames(fields);
  if (names) part.attributeNames = names;
  const sign = fields.oneOf('sign', SIGNED_PARTS);
  if (sign) part.sign = sign;
  for (const [key, message] of Object.entries(fields.errors)) outer.fail(`saml.${key}`, message);
  return part;
}

/** Runs `parse` on the common fields, merging its field errors with ours. */
function withCommon<T>(outer: FieldReader, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    for (const [key, message] of Object.entries(error.fields)) outer.fail(key, message);
    return undefined;
  }
}

function refuseOtherKeys(fields: FieldReader, allowed: string[]): void {
  for (const key of Object.keys(fields.input)) {
    if (!allowed.includes(key)) fields.fail(key, `does not apply to a SAML app (its fields: ${allowed.join(', ')})`);
  }
}

function common(input: Input): Input {
  return Object.fromEntries(Object.entries(input).filter(([key]) => COMMON.includes(key) || key === 'client_id'));
}

/** POST /api/admin/apps with "type": "saml". */
export async function parseNewSamlApp(body: unknown): Promise<NewAppInput> {
  const fields = new FieldReader(asObject(body));
  refuseOtherKeys(fields, ['type', 'saml', 'client_id', ...COMMON]);
  const saml = await readSaml(fields, true);
  const acsUrls = saml.acsUrls ?? ['https://placeholder.invalid/'];
  const base = withCommon(fields, () => parseNewApp({ ...common(fields.input), redirect_urls: acsUrls }));
  fields.done();
  const { acsUrls: _acs, ...settings } = saml;
  return {
    ...base!,
    redirectUrls: acsUrls,
    // Fixed for SAML: RS256 is the assertion key's algorithm; there is no client secret.
    signingAlg: 'RS256',
    responseMode: 'form_post',
    tokenEndpointAuthMethod: 'none',
    saml: { nameIdFormat: 'email', sign: 'assertion', attributeNames: DEFAULT_ATTRIBUTE_NAMES, ...settings } as SamlSettingsInput,
  };
}

/** PATCH /api/admin/apps/:id of a SAML app: the common fields and any `saml` settings. */
export async function parseSamlAppChanges(body: unknown): Promise<Partial<AppFields>> {
  const fields = new FieldReader(asObject(body));
  refuseOtherKeys(fields, ['saml', ...COMMON]);
  const saml = fields.has('saml') ? await readSaml(fields, false) : {};
  const base = withCommon(fields, () => parseAppChanges(common(fields.input)));
  fields.done();
  const { acsUrls, ...settings } = saml;
  return { ...base, ...(acsUrls ? { redirectUrls: acsUrls } : {}), ...(Object.keys(settings).length ? { saml: settings } : {}) };
}

/** For an app that is not SAML: `type` and `saml` are refused with a clear reason. */
export function refuseSamlFields(body: unknown, app?: App): void {
  const input = asObject(body);
  const errors: Record<string, string> = {};
  if (app && input.type !== undefined) errors.type = 'cannot be changed; register a new app of the other type';
  if (!app && input.type !== undefined && input.type !== 'oidc') errors.type = 'must be "oidc" (the default) or "saml"';
  if (input.saml !== undefined) errors.saml = 'applies only to apps of "type": "saml"';
  if (Object.keys(errors).length) throw new ValidationError(errors);
}

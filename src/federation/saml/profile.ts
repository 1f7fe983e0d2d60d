// A validated assertion as the UpstreamProfile every source returns. The NameID links the
// account (persistent preferred, else the email format, else the IdP's unspecified one; never
// transient, which response.ts refuses); attributes fill the fields under their standard names.
import { groupList } from '../mapping';
import type { Preset, UpstreamProfile } from '../types';
import { standardValues } from './attributes';
import { NAMEID_EMAIL } from './metadata';
import type { ValidatedAssertion } from './response';

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function profileFromAssertion(assertion: ValidatedAssertion, preset: Preset): UpstreamProfile {
  const { attributes } = assertion;
  const first = (field: Parameters<typeof standardValues>[1]) => standardValues(attributes, field)?.[0]?.trim() || undefined;
  let email = first('email');
  if (!email && assertion.nameIdFormat === NAMEID_EMAIL && EMAIL.test(assertion.nameId)) email = assertion.nameId;
  const groups = groupList(standardValues(attributes, 'groups') ?? []);
  // Every attribute under its name (one value as a string), so claim_map and group_map can name any.
  const raw: Record<string, unknown> = {};
  for (const [name, values] of Object.entries(attributes)) raw[name] = values.length === 1 ? values[0] : values;
  raw.name_id = assertion.nameId;
  raw.name_id_format = assertion.nameIdFormat;
  if (raw.groups === undefined) raw.groups = groups;
  if (assertion.authnContext) raw.authn_context = assertion.authnContext;
  const verified = preset.protocol.kind === 'saml' && preset.protocol.email_verified;
  return {
    subject: assertion.nameId,
    email: email && EMAIL.test(email) && email.length <= 254 ? email : undefined,
    email_verified: Boolean(email) && verified,
    name: first('name'),
    given_name: first('given_name'),
    family_name: first('family_name'),
    username: first('username'),
    groups,
    raw,
  };
}

// Discovery (RFC 7644 §4, RFC 7643 §5–7): what this service provider supports, its resource
// types, and the schemas of User (with the enterprise extension) and Group. Data, built per base URL.
import { MAX_COUNT } from './context';
import { GROUP_SCHEMA } from './query';
import { ENTERPRISE_SCHEMA, USER_SCHEMA } from './user-resource';

const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

type Attribute = Record<string, unknown>;
const attr = (name: string, extra: Attribute = {}): Attribute => ({
  name,
  type: 'string',
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...extra,
});
const complex = (name: string, subAttributes: Attribute[], extra: Attribute = {}) => attr(name, { type: 'complex', subAttributes, ...extra });
const multi = (name: string, subAttributes: Attribute[]) => complex(name, subAttributes, { multiValued: true });
const valueItem = [attr('value'), attr('type'), attr('primary', { type: 'boolean' }), attr('display')];

const USER_ATTRIBUTES = [
  attr('userName', { required: true, uniqueness: 'server' }),
  complex('name', [attr('formatted'), attr('familyName'), attr('givenName'), attr('middleName'), attr('honorificPrefix'), attr('honorificSuffix')]),
  attr('displayName'),
  attr('nickName'),
  attr('title'),
  attr('userType'),
  attr('preferredLanguage'),
  attr('locale'),
  attr('timezone'),
  attr('active', { type: 'boolean' }),
  attr('password', { mutability: 'writeOnly', returned: 'never' }),
  multi('emails', valueItem),
  multi('phoneNumbers', valueItem),
  multi('addresses', [attr('formatted'), attr('streetAddress'), attr('locality'), attr('region'), attr('postalCode'), attr('country'), attr('type'), attr('primary', { type: 'boolean' })]),
  // Read-only on a User: membership changes through /Groups.
  complex('groups', [attr('value', { mutability: 'readOnly' }), attr('$ref', { type: 'reference', referenceTypes: ['Group'], mutability: 'readOnly' }), attr('display', { mutability: 'readOnly' })], { multiValued: true, mutability: 'readOnly' }),
];

const ENTERPRISE_ATTRIBUTES = [
  attr('employeeNumber'),
  attr('costCenter'),
  attr('organization'),
  attr('division'),
  attr('department'),
  complex('manager', [attr('value'), attr('$ref', { type: 'reference', referenceTypes: ['User'] }), attr('displayName', { mutability: 'readOnly' })]),
];

const GROUP_ATTRIBUTES = [
  attr('displayName', { required: true, uniqueness: 'server' }),
  multi('members', [attr('value', { mutability: 'immutable' }), attr('$ref', { type: 'reference', referenceTypes: ['User'], mutability: 'immutable' }), attr('display', { mutability: 'readOnly' })]),
];

export function serviceProviderConfig(base: string, docs: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: docs,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_COUNT },
    changePassword: { supported: true },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      { type: 'oauthbearertoken', name: 'Bearer token', description: 'A SCIM token from the edge-sso console (Provisioning) or admin API, as "Authorization: Bearer <token>".', primary: true },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

export function resourceTypes(base: string) {
  const types = [
    { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'User', name: 'User', endpoint: '/Users', description: 'User account', schema: USER_SCHEMA, schemaExtensions: [{ schema: ENTERPRISE_SCHEMA, required: false }], meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` } },
    { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'Group', name: 'Group', endpoint: '/Groups', description: 'Group', schema: GROUP_SCHEMA, schemaExtensions: [], meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/Group` } },
  ];
  return types;
}

export function schemas(base: string) {
  const schema = (id: string, name: string, description: string, attributes: Attribute[]) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id,
    name,
    description,
    attributes,
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${id}` },
  });
  return [
    schema(USER_SCHEMA, 'User', 'User Account', USER_ATTRIBUTES),
    schema(ENTERPRISE_SCHEMA, 'EnterpriseUser', 'Enterprise User', ENTERPRISE_ATTRIBUTES),
    schema(GROUP_SCHEMA, 'Group', 'Group', GROUP_ATTRIBUTES),
  ];
}

export const listOf = (resources: unknown[]) => ({ schemas: [LIST], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources });

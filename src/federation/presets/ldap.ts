// Directories: OpenLDAP (and any LDAP v3 server) and Active Directory. No browser redirect:
// edge-sso's own form checks the password against the directory (../ldap/). The two presets
// differ only in their default attributes and user filter, and AD's disabled-account rule.
//
// Documentation:
// - LDAP v3 (RFC 4511), filters (RFC 4515): https://www.rfc-editor.org/rfc/rfc4511 , https://www.rfc-editor.org/rfc/rfc4515
// - AD user attributes (sAMAccountName, userPrincipalName, userAccountControl): https://learn.microsoft.com/en-us/windows/win32/adschema/a-useraccountcontrol
// - LDAP_MATCHING_RULE_IN_CHAIN: https://learn.microsoft.com/en-us/windows/win32/adsi/search-filter-syntax
import { checkFilterTemplate } from '../ldap/filter';
import { parseDirectoryUrl } from '../ldap/url';
import type { Preset, PresetField, SourceConfig } from '../types';

const text = (name: string, label: string, help: string, required = true, max = 500): PresetField => ({ name, label, help, required, max });
const flag = (name: string, label: string, help: string): PresetField => ({ name, label, help, required: false, kind: 'boolean' });

export const DEFAULT_TIMEOUT_MS = 5000;

function fields(example: { bindDn: string; baseDn: string; filter: string }, activeDirectory: boolean): PresetField[] {
  return [
    {
      ...text('url', 'Directory URL', 'ldaps://ldap.example.com:636, or ldap://ldap.example.com:389 with StartTLS. Plain ldap:// only for 127.0.0.1 (local development).'),
      validate: (value) => {
        const parsed = parseDirectoryUrl(String(value), !String(value).startsWith('ldaps:'));
        return typeof parsed === 'string' ? parsed : null;
      },
    },
    flag('start_tls', 'Use StartTLS', 'For ldap:// URLs: upgrade the connection to TLS before sending any password.'),
    text('bind_dn', 'Service account DN', `The account edge-sso searches users with, e.g. ${example.bindDn}.`),
    { name: 'bind_password', label: 'Service account password', help: 'Stored encrypted; never shown again.', required: true, secret: true, max: 1000 },
    text('user_base_dn', 'User base DN', `Where users are searched (whole subtree), e.g. ${example.baseDn}.`),
    {
      ...text('user_filter', 'User filter', `{login} is replaced by what the person typed, escaped. Default: ${example.filter}`, false, 1000),
      validate: (value) => (String(value) === '' ? null : checkFilterTemplate(String(value))),
    },
    text('group_base_dn', 'Group base DN (optional)', 'When set, groups are found by searching here for member=<user DN>; when empty, they are read from the user’s memberOf attribute.', false),
    ...(activeDirectory ? [flag('nested_groups', 'Include nested groups', 'Resolve groups within groups (LDAP_MATCHING_RULE_IN_CHAIN). Needs a group base DN.')] : []),
    { name: 'timeout_ms', label: 'Timeout (ms)', help: `How long a whole sign-in may take with the directory (connect, TLS, binds, searches), however it answers. Default ${DEFAULT_TIMEOUT_MS}.`, required: false, kind: 'integer', min: 500, max: 30000 },
    flag('use_for_password_login', 'Check passwords of users not found in edge-sso', 'The default login form then also signs in directory users (“user federation”).'),
  ];
}

function validateConfig(config: SourceConfig): Record<string, string> {
  if (typeof config.url !== 'string') return {};
  const parsed = parseDirectoryUrl(config.url, config.start_tls === true);
  if (typeof parsed === 'string') return { url: parsed };
  if (config.nested_groups === true && !config.group_base_dn) return { group_base_dn: 'is needed to resolve nested groups' };
  return {};
}

const NOTE = 'Claim mapping names directory attributes here; groups are the CNs of the user’s groups (group claim “groups”).';

export const ldap: Preset = {
  type: 'ldap',
  label: 'LDAP directory',
  protocol: {
    kind: 'ldap',
    attributes: { email: 'mail', name: 'cn', given_name: 'givenName', family_name: 'sn', username: 'uid' },
    default_filter: '(|(uid={login})(mail={login}))',
    active_directory: false,
  },
  fields: fields({ bindDn: 'cn=edge-sso,ou=services,dc=example,dc=com', baseDn: 'ou=people,dc=example,dc=com', filter: '(|(uid={login})(mail={login}))' }, false),
  default_scopes: [],
  validateConfig,
  note: NOTE,
  docs_url: 'https://www.openldap.org/doc/admin25/',
};

export const activeDirectory: Preset = {
  type: 'active-directory',
  label: 'Active Directory',
  protocol: {
    kind: 'ldap',
    attributes: { email: 'mail', name: 'displayName', given_name: 'givenName', family_name: 'sn', username: 'sAMAccountName' },
    default_filter: '(|(sAMAccountName={login})(userPrincipalName={login}))',
    active_directory: true,
  },
  fields: fields({ bindDn: 'CN=edge-sso,OU=Service Accounts,DC=corp,DC=example,DC=com', baseDn: 'OU=Staff,DC=corp,DC=example,DC=com', filter: '(|(sAMAccountName={login})(userPrincipalName={login}))' }, true),
  default_scopes: [],
  validateConfig,
  note: NOTE,
  docs_url: 'https://learn.microsoft.com/en-us/windows/win32/adschema/a-useraccountcontrol',
};

// AD FS (Active Directory Federation Services, 2016 and later): the issuer is
// `<base_url>/adfs`. Its ID token holds few claims by default; the `allatclaims` scope asks AD FS
// to put the claims issued by the application group's rules (email, name, groups) into it.
//
// Documentation:
// - OpenID Connect with AD FS (discovery at /adfs/.well-known/openid-configuration): https://learn.microsoft.com/en-us/windows-server/identity/ad-fs/development/ad-fs-openid-connect-oauth-flows-scenarios
// - Custom ID token claims and `allatclaims`: https://learn.microsoft.com/en-us/windows-server/identity/ad-fs/development/custom-id-tokens-in-ad-fs
import type { Preset, PresetContext } from '../types';
import { clientSecretField, configString, trimSlash, urlField } from './fields';

export const adfsIssuer = (ctx: Pick<PresetContext, 'config'>) => `${trimSlash(configString(ctx, 'base_url') ?? '')}/adfs`;

export const adfs: Preset = {
  type: 'adfs',
  label: 'AD FS',
  protocol: { kind: 'oidc', issuer: adfsIssuer },
  fields: [
    urlField('base_url', 'AD FS URL', 'The federation service URL without /adfs, e.g. https://adfs.example.com.'),
    clientSecretField('The secret of the Server application in the AD FS application group.'),
  ],
  default_scopes: ['openid', 'email', 'profile', 'allatclaims'],
  // The claim the usual "Send Group Membership as a Claim" rule emits (http://schemas.xmlsoap.org/claims/Group).
  default_group_claim: 'group',
  docs_url: 'https://learn.microsoft.com/en-us/windows-server/identity/ad-fs/development/ad-fs-openid-connect-oauth-flows-scenarios',
};

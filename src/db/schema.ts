// The D1 tables, one file per capability under schema/. migrations/ is generated from them:
// `npm run db:generate`. Times are Unix seconds. JSON columns hold arrays of strings.
export * from './schema/core';
export * from './schema/identity-sources';
export * from './schema/oidc';
export * from './schema/mfa';
export * from './schema/onboarding';
export * from './schema/stats';
export * from './schema/scim';
export * from './schema/saml-apps';

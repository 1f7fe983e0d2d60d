// The JSON admin API at /api/admin, behind the bearer token. Routes parse and validate, then
// call the capabilities; every change is audited and reaches live sessions or caches.
import { sessionReads } from '../../http/replica-reads';
import { Hono } from 'hono';
import type { AppEnv } from '../../http/context';
import { limitBody } from '../../http/forms';
import { requireAdminToken } from './auth';
import { appsApi } from './apps';
import { brandingLogoApi } from './branding-logo';
import { emailApi } from './email';
import { identitySourcesApi } from './identity-sources';
import { mfaApi } from './mfa';
import { onboardingApi } from './onboarding';
import { operationsApi } from './operations';
import { scimApi } from './scim';
import { usersApi } from './users';

export const adminApi = new Hono<AppEnv>();

adminApi.use('*', requireAdminToken);
// Changes start at the primary; their bookmark lets this isolate's cached reads include them.
adminApi.use('*', sessionReads('primary'));
// Before the general limit: a logo may be up to 256 KB (the route sets its own limit).
adminApi.route('/branding/logo', brandingLogoApi);
adminApi.use('*', limitBody(64 * 1024));
adminApi.route('/apps', appsApi);
adminApi.route('/', onboardingApi);
adminApi.route('/users', usersApi);
adminApi.route('/identity-sources', identitySourcesApi);
adminApi.route('/email', emailApi);
adminApi.route('/', operationsApi);
adminApi.route('/', mfaApi);
adminApi.route('/scim', scimApi);

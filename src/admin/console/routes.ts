// The admin console at /admin: every page behind the admin-session gate.
import { Hono } from 'hono';
import { limitBody } from '../../http/forms';
import { MAX_IMPORT_BYTES } from '../../portability/document';
import { sessionReads } from '../../http/replica-reads';
import { appPages } from './apps/routes';
import { samlAppPages } from './apps/saml';
import { auditPages } from './audit';
import { backupPages, IMPORT_PATH } from './backup';
import { requireAdminSession } from './auth';
import { brandingPages } from './branding';
import { dashboardPage } from './dashboard';
import { docPages } from './docs';
import type { ConsoleEnv } from './context';
import { emailPages } from './email';
import { identitySourcePages } from './identity-sources/pages';
import { keyPages } from './keys';
import { onboardingPages } from './onboarding';
import { protectionPages } from './protection';
import { groupPages } from './groups';
import { provisioningPages } from './provisioning';
import { userPages } from './users/routes';
import { securityPages, userFactorPages } from './mfa';

export const adminConsole = new Hono<ConsoleEnv>();

// Forms are small; the CSV import allows files up to 1 MB, an export file as much as the API takes.
const formLimit = limitBody(1536 * 1024);
const exportFileLimit = limitBody(MAX_IMPORT_BYTES);
adminConsole.use('*', (c, next) => (c.req.path === IMPORT_PATH ? exportFileLimit : formLimit)(c, next));
// Console pages read from the nearest D1 replica, at the admin's own last write (src/http/replica-reads.ts).
adminConsole.use('*', sessionReads('browser'));
adminConsole.use('*', requireAdminSession);
adminConsole.get('/', dashboardPage);
adminConsole.route('/apps', samlAppPages);
adminConsole.route('/apps', appPages);
adminConsole.route('/users', userFactorPages);
adminConsole.route('/users', userPages);
adminConsole.route('/groups', groupPages);
adminConsole.route('/provisioning', provisioningPages);
adminConsole.route('/security', securityPages);
adminConsole.route('/onboarding', onboardingPages);
adminConsole.route('/identity-sources', identitySourcePages);
adminConsole.route('/protection', protectionPages);
adminConsole.route('/keys', keyPages);
adminConsole.route('/branding', brandingPages);
adminConsole.route('/email', emailPages);
adminConsole.route('/backup', backupPages);
adminConsole.route('/audit', auditPages);
adminConsole.route('/docs', docPages);

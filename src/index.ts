// Builds the Worker: global middleware, error handling, and each capability's routes.
import { Hono } from 'hono';
import { accountRoutes } from './account/my-apps';
import { adminApi } from './admin/api/index';
import { adminConsole } from './admin/console/routes';
import { testResultAtCallback } from './admin/console/identity-sources/parts';
import { brandingRoutes } from './branding/routes';
import { withDevLatency } from './db/dev-latency';
import type { Bindings } from './env';
import type { AppEnv } from './http/context';
import { errorHandlers } from './http/errors';
import { requestLog } from './http/request-log';
import { securityHeaders } from './http/security-headers';
import { federationRoutes } from './federation/routes';
import { samlRoutes } from './federation/saml/routes';
import { loginRoutes } from './login/routes';
import { mfaRoutes } from './mfa/routes';
import { accountSecurityRoutes } from './account/security';
import { scheduled } from './maintenance/scheduled';
import { scimRoutes } from './scim/routes';
import { oidcRoutes } from './oidc/routes';
import { onboardingRoutes } from './onboarding/routes';
import { ssoRoutes } from './sso/routes';
import { samlIdpRoutes } from './saml/routes';
import { tokenRoutes } from './tokens/routes';
import { uiRoutes } from './ui/routes';
import { brandedErrorPage } from './ui/error-page';

const app = new Hono<AppEnv>();

app.use('*', requestLog());
app.use('*', securityHeaders);
const { onError, notFound } = errorHandlers(brandedErrorPage);
app.onError(onError);
app.notFound(notFound);

app.get('/healthz', (c) => c.json({ ok: true }));
app.get('/', (c) => c.redirect('/login', 303));
app.route('/', uiRoutes);
app.route('/', tokenRoutes);
app.route('/', loginRoutes);
app.route('/', mfaRoutes);
app.route('/', accountSecurityRoutes);
app.route('/', ssoRoutes);
app.route('/', accountRoutes);
app.route('/', brandingRoutes);
app.route('/', federationRoutes(testResultAtCallback));
app.route('/', samlRoutes(testResultAtCallback));
app.route('/', oidcRoutes);
app.route('/', samlIdpRoutes);
app.route('/', onboardingRoutes);
app.route('/scim/v2', scimRoutes as unknown as Hono<AppEnv>);
app.route('/api/admin', adminApi);
app.route('/admin', adminConsole);

// fetch serves every route; scheduled is the Cron Trigger that prunes expired rows (src/maintenance/).
// (DEV_D1_LATENCY_MS, local benchmarks only: src/db/dev-latency.ts.)
const fetch = (request: Request, env: Bindings, ctx: ExecutionContext) => withDevLatency(env, request, (bindings) => app.fetch(request, bindings, ctx));
export default { fetch, scheduled } satisfies ExportedHandler<Bindings>;

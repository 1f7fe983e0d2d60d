// Builds the Worker: global middleware, error handling, and each capability's routes.
import { Hono } from 'hono';
import { adminApi } from './admin/api/index';
import { adminConsole } from './admin/console/routes';
import type { AppEnv } from './http/context';
import { notFound, onError } from './http/errors';
import { securityHeaders } from './http/security-headers';
import { loginRoutes } from './login/routes';
import { oidcRoutes } from './oidc/routes';
import { ssoRoutes } from './sso/routes';
import { tokenRoutes } from './tokens/routes';
import { uiRoutes } from './ui/routes';

const app = new Hono<AppEnv>();

app.use('*', securityHeaders);
app.onError(onError);
app.notFound(notFound);

app.get('/healthz', (c) => c.json({ ok: true }));
app.get('/', (c) => c.redirect('/login', 303));
app.route('/', uiRoutes);
app.route('/', tokenRoutes);
app.route('/', loginRoutes);
app.route('/', ssoRoutes);
app.route('/', oidcRoutes);
app.route('/api/admin', adminApi);
app.route('/admin', adminConsole);

export default app;

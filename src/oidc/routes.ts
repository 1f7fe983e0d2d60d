// The OpenID Provider's routes, mounted at the root by src/index.ts.
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from '../http/context';
import { issuerOf } from '../http/context';
import { authorizeRoutes } from './authorize';
import { oidcPaths } from './config';
import { discoveryDocument } from './discovery';
import { logoutRoutes } from './logout';
import { resourceRoutes } from './resources';
import { tokenEndpoint } from './token';

export const oidcRoutes = new Hono<AppEnv>();

// Browser apps (public clients) call these from their own origin. No cookies are read there, so any origin may.
const anyOrigin = cors({ origin: '*', allowMethods: ['GET', 'POST'], allowHeaders: ['Authorization', 'Content-Type'], maxAge: 600 });
for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', oidcPaths.token, oidcPaths.userinfo, oidcPaths.revocation]) {
  oidcRoutes.use(path, anyOrigin);
}

for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
  oidcRoutes.get(path, (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(discoveryDocument(issuerOf(c)));
  });
}

oidcRoutes.route('/', authorizeRoutes);
oidcRoutes.route('/', tokenEndpoint);
oidcRoutes.route('/', resourceRoutes);
oidcRoutes.route('/', logoutRoutes);

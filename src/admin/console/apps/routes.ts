// Console: Applications. List and add, then one app's overview, edit and delete, Test SSO and
// Integration tabs; each concern in its own file. Validation is the admin API's (src/apps/input.ts).
import { Hono } from 'hono';
import type { ConsoleEnv } from '../context';
import { appIntegrationPages } from './integration';
import { appListPages } from './list';
import { appOverviewPages } from './overview';
import { appTestPages } from './test-sso';

export const appPages = new Hono<ConsoleEnv>();
// The list's /new before the overview's /:clientId.
appPages.route('/', appListPages);
appPages.route('/', appTestPages);
appPages.route('/', appIntegrationPages);
appPages.route('/', appOverviewPages);

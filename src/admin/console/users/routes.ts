// Console: Users. The list, add and import (./list.tsx), then one user's page (./user-page.tsx).
// Validation is the admin API's (src/users/input.ts).
import { Hono } from 'hono';
import type { ConsoleEnv } from '../context';
import { userListPages } from './list';
import { oneUserPages } from './user-page';

export const userPages = new Hono<ConsoleEnv>();
// The list's /new and /import before the user page's /:id.
userPages.route('/', userListPages);
userPages.route('/', oneUserPages);

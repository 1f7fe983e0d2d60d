// The console's gate: the same sessions and login page as SSO; only users with the admin role.
// Every POST is CSRF-checked here, once, before any console route runs.
import { createMiddleware } from 'hono/factory';
import { checkCsrf, CSRF_FIELD } from '../../http/csrf';
import { readForm } from '../../http/forms';
import { createFlow } from '../../sessions/flows';
import { dbOf } from '../../http/context';
import { hasMfa } from '../../mfa/assurance';
import { loadMfaSettings } from '../../mfa/settings';
import { secondFactorUrl } from '../../mfa/sign-in';
import { readSession } from '../../sessions/sessions';
import { MessagePage } from '../../ui/layout';
import type { ConsoleEnv } from './context';

export const requireAdminSession = createMiddleware<ConsoleEnv>(async (c, next) => {
  const session = await readSession(c);
  if (!session) {
    if (c.req.method !== 'GET') return c.redirect('/admin', 303);
    const url = new URL(c.req.url);
    const flow = await createFlow(c.env, { returnTo: url.pathname + url.search });
    return c.redirect(`/login?flow=${flow}`, 303);
  }
  if (!session.roles.includes('admin')) {
    return c.html(
      <MessagePage title="Admins only">
        <p>
          You are signed in as <strong>{session.profile.email}</strong>, which does not have the admin role. Ask an administrator for access.
        </p>
        <p>
          <a href="/sso/logout">Sign out</a>
        </p>
      </MessagePage>,
      403,
    );
  }
  // Admins may require a second factor for the console itself (src/mfa/settings.ts): step up first.
  if (!hasMfa(session.amr) && (await loadMfaSettings(dbOf(c))).requireForConsole) {
    if (c.req.method !== 'GET') return c.redirect('/admin', 303);
    const url = new URL(c.req.url);
    return c.redirect(secondFactorUrl(await createFlow(c.env, { returnTo: url.pathname + url.search })), 303);
  }
  c.set('admin', session);
  if (c.req.method === 'POST') {
    const form = await readForm(c);
    await checkCsrf(c, form[CSRF_FIELD]);
    c.set('form', form);
  }
  await next();
});

// The console's gate: the same sessions and login page as SSO; only users with the admin role.
// Every POST is CSRF-checked here, once, before any console route runs.
import { createMiddleware } from 'hono/factory';
import { checkCsrf, CSRF_FIELD } from '../../http/csrf';
import { readForm } from '../../http/forms';
import { createFlow } from '../../sessions/flows';
import { assurancePage, sessionAssurance } from '../../mfa/step-up';
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
  // CSRF first: a cross-site POST is refused whatever the session has proven.
  if (c.req.method === 'POST') {
    const form = await readForm(c);
    await checkCsrf(c, form[CSRF_FIELD]);
    c.set('form', form);
  }
  // The console decides like an app (src/mfa/assurance.ts): the global policy, or required when
  // admins require a second factor for it; a session without enough steps up first.
  const assurance = await sessionAssurance(c.env, { kind: 'console' }, session);
  if (assurance !== 'ok') {
    if (c.req.method !== 'GET') return c.redirect('/admin', 303);
    const url = new URL(c.req.url);
    return assurancePage(c, assurance, { returnTo: url.pathname + url.search });
  }
  c.set('admin', session);
  await next();
});

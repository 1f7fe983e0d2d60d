// What the onboarding routes share: branding, reading the token, the "link did not work" page,
// and signing in once a new password is set.
import type { JSX } from 'hono/jsx/jsx-runtime';
import { loadServedApp } from '../apps/served';
import { audit } from '../audit/audit';
import { brandingFor } from '../branding/page';
import type { Branding } from '../policy/branding';
import { dbOf, type AppContext } from '../http/context';
import { checkCsrf } from '../http/csrf';
import { readForm, type FormBody } from '../http/forms';
import { enrolUrl, startPasswordSession } from '../mfa/sign-in';
import type { SessionCredential } from '../sessions/sessions';
import { authenticate } from '../users/store';
import type { User } from '../users/user';
import type { LinkLookup } from './links';
import { LinkProblemPage } from './pages';

export async function pageBranding(c: AppContext, clientId?: string | null): Promise<Branding> {
  const app = clientId ? await loadServedApp(c.env, clientId).catch(() => null) : null;
  return brandingFor(c.env, app);
}

export function html(c: AppContext, page: JSX.Element, status = 200) {
  return c.html(page, status as 200);
}

/** The posted form, once its CSRF token is checked (a failure is a 403 page). */
export async function readCheckedForm(c: AppContext): Promise<FormBody> {
  const form = await readForm(c);
  await checkCsrf(c, form.csrf);
  return form;
}

export const field = (form: FormBody, name: string, max = 300): string => {
  const value = form[name];
  return typeof value === 'string' ? value.slice(0, max) : '';
};

/** The page for a link that did not work: 410 for a used or expired one, 400 for a malformed or unknown one. */
export async function linkProblem(c: AppContext, lookup: Extract<LinkLookup, { ok: false }>, again: { href: string; label: string; hint?: string }) {
  const gone = lookup.problem === 'gone';
  return html(c, <LinkProblemPage gone={gone} again={again} branding={await pageBranding(c)} nonce={c.get('cspNonce')} />, gone ? 410 : 400);
}

/**
 * Signs the user in with the password they just chose, through the same check and MFA policy as
 * the login form (so the session is bound to that password hash and the user's session version,
 * and a required second factor holds). Null when the account changed meanwhile (disabled, another
 * new password); a Response when the browser must first give or enrol a second factor.
 */
export async function signInWithNewPassword(c: AppContext, email: string, password: string): Promise<Response | 'signed-in' | null> {
  const checked = await authenticate(dbOf(c), email, password);
  if (!checked || checked.user.disabled) return null;
  const { user, passwordHash, sessionVersion } = checked;
  return startOnboardedSession(c, user, { passwordHash, sessionVersion });
}

/** The session of a person who has just set a password (invitation, sign-up), audited; see signInWithNewPassword. */
export async function startOnboardedSession(c: AppContext, user: User, credential: SessionCredential, via = 'onboarding'): Promise<Response | 'signed-in' | null> {
  const started = await startPasswordSession(c, user, credential, null, undefined);
  if (started instanceof Response) return started;
  if (!started.session) return null;
  audit(c, { type: 'login.success', actor: user.id, target: user.email, detail: { via } });
  return started.required ? c.redirect(enrolUrl(), 303) : 'signed-in';
}

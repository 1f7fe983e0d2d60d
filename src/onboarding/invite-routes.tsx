// GET /invite?token=… shows the "choose your password" form; POST /invite uses the link (once),
// sets the password, marks the email verified, and signs the person in.
import { Hono } from 'hono';
import { audit } from '../audit/audit';
import { dbOf, type AppContext, type AppEnv } from '../http/context';
import { csrfToken } from '../http/csrf';
import { limitBody } from '../http/forms';
import { addressProven, applyUserChange } from './recovery';
import { updateUser } from '../users/store';
import { field, html, linkProblem, pageBranding, readCheckedForm, signInWithNewPassword } from './common';
import { SLUG_PATTERN } from '../lib/slug';
import { loadLoginSources, loadServedSource } from '../federation/store';
import { inviteLanding } from './invites';
import { writeInviteClaim } from './invite-sources';
import { consumeLink, peekLink, revokeLinks } from './links';
import { ContinuePage, MessageOnly, SetPasswordPage } from './pages';
import { newPasswordProblem } from './passwords';

export const inviteRoutes = new Hono<AppEnv>();

const AGAIN = { href: '/login', label: 'Go to sign-in', hint: 'Ask the administrator who invited you to send a new invitation.' };

async function form(c: AppContext, token: string, email: string, clientId: string | undefined, error?: string) {
  // The form's POST ends at the app the invitation lands on: the browser checks that redirect
  // against this page's CSP form-action (not the POST response's), so this page lists the app's origin.
  const landing = await inviteLanding(c, clientId);
  if (!landing.startsWith('/')) c.set('formActionOrigins', [new URL(landing).origin]);
  return html(
    c,
    <SetPasswordPage
      title="Welcome"
      intro={`Choose a password for ${email}. You will use it with your email address to sign in.`}
      action="/invite"
      token={token}
      email={email}
      csrf={csrfToken(c)}
      error={error}
      button="Set password and sign in"
      sources={await loadLoginSources(c.env)}
      branding={await pageBranding(c, clientId)}
      nonce={c.get('cspNonce')}
    />,
    error ? 400 : 200,
  );
}

inviteRoutes.get('/invite', async (c) => {
  const token = c.req.query('token');
  const lookup = await peekLink(dbOf(c), token, 'invite');
  if (!lookup.ok) return linkProblem(c, lookup, AGAIN);
  return form(c, token!, lookup.link.email, lookup.link.data.clientId);
});

inviteRoutes.post('/invite', limitBody(16 * 1024), async (c) => {
  const posted = await readCheckedForm(c);
  const token = field(posted, 'token', 100);
  const password = field(posted, 'password', 1000);
  const db = dbOf(c);
  const peeked = await peekLink(db, token, 'invite');
  if (!peeked.ok) return linkProblem(c, peeked, AGAIN);
  const problem = newPasswordProblem(password, peeked.link.email);
  if (problem) return form(c, token, peeked.link.email, peeked.link.data.clientId, problem);
  // Only now is the link used: a refused password leaves it working.
  const used = await consumeLink(db, token, 'invite');
  if (!used.ok) return linkProblem(c, used, AGAIN);
  const { userId, data } = used.link;
  const user = await updateUser(db, userId!, { password, emailVerified: true });
  await applyUserChange(c, user, user, { passwordChanged: true });
  await addressProven(c, user.id);
  await revokeLinks(db, { userId: user.id, purpose: 'invite' });
  audit(c, { type: 'invite.accept', actor: user.id, target: user.email, detail: data.clientId ? { client_id: data.clientId } : {} });
  const signedIn = await signInWithNewPassword(c, user.email, password);
  if (signedIn instanceof Response) return signedIn;
  if (!signedIn) {
    return html(
      c,
      <MessageOnly title="Your password is set" paragraphs={['Your account cannot sign in right now. Contact your administrator.']} branding={await pageBranding(c)} nonce={c.get('cspNonce')} />,
      403,
    );
  }
  return c.redirect(await inviteLanding(c, data.clientId), 303);
});

// "Continue with <source>": remembers the invitation in a sealed cookie and starts that source's
// sign-in; the federation callback uses the invitation and links the upstream account.
inviteRoutes.post('/invite/source', limitBody(16 * 1024), async (c) => {
  const posted = await readCheckedForm(c);
  const token = field(posted, 'token', 100);
  const slug = field(posted, 'source', 100);
  const peeked = await peekLink(dbOf(c), token, 'invite');
  if (!peeked.ok) return linkProblem(c, peeked, AGAIN);
  const found = SLUG_PATTERN.test(slug) ? await loadServedSource(c.env, slug) : null;
  if (!found || !found.source.enabled) return form(c, token, peeked.link.email, peeked.link.data.clientId, 'That sign-in option is not available. Choose a password instead.');
  await writeInviteClaim(c, token, peeked.link.userId!, slug);
  return html(c, <ContinuePage href={`/federation/${encodeURIComponent(slug)}/start`} sourceName={found.source.name} />);
});

// GET/POST /account/email: a signed-in user asks to use a new address (with their current
// password, if they have one). The link goes to the new address; using it changes the email,
// marks it verified, and tells the old address.
import { hasSecondFactor, userFactors } from '../mfa/factors';
import { requireRecentProof } from '../mfa/step-up';
import { Hono } from 'hono';
import { audit } from '../audit/audit';
import { dbOf, throttleAddress, type AppContext, type AppEnv } from '../http/context';
import { csrfToken } from '../http/csrf';
import { limitBody } from '../http/forms';
import { ConflictError } from '../lib/errors';
import { syncUserSessionsAndNotifyApps } from '../logout/backchannel';
import { readSession, type Session } from '../sessions/sessions';
import type { Errors } from '../ui/components';
import { identifierProblem } from '../lib/validation';
import { authenticate, getUser, updateUser } from '../users/store';
import { field, html, linkProblem, pageBranding, readCheckedForm } from './common';
import { consumeLink, createLink, LINK_TTL_SECONDS, peekLink, releaseLink, revokeLinks } from './links';
import { emailChangedMail, emailChangeMail, emailInUseMail } from './messages';
import { ConfirmPage, EmailChangePage, MessageOnly } from './pages';
import { takeRequest } from './rate-limit';
import { linkTo, sendMail } from './send';
import { emailTaken } from './signup';

export const emailChangeRoutes = new Hono<AppEnv>();

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const AGAIN = { href: '/account/email', label: 'Ask for a new link' };

async function page(c: AppContext, session: Session, hasPassword: boolean, newEmail = '', errors?: Errors, status = 200) {
  return html(
    c,
    <EmailChangePage csrf={csrfToken(c)} current={session.profile.email} newEmail={newEmail} needsPassword={hasPassword} errors={errors} branding={await pageBranding(c)} nonce={c.get('cspNonce')} />,
    status,
  );
}

emailChangeRoutes.get('/account/email', async (c) => {
  const session = await readSession(c);
  if (!session) return c.redirect('/login', 303);
  const user = await getUser(dbOf(c), session.userId);
  if (!user) return c.redirect('/login', 303);
  return page(c, session, user.hasPassword);
});

emailChangeRoutes.post('/account/email', limitBody(16 * 1024), async (c) => {
  const session = await readSession(c);
  if (!session) return c.redirect('/login', 303);
  const form = await readCheckedForm(c);
  const db = dbOf(c);
  // A security change: a recent second factor (or recent sign-in without one) first (src/mfa/step-up.ts).
  const stepUp = await requireRecentProof(c, session, hasSecondFactor(await userFactors(db, session.userId)), '/account/email');
  if (stepUp) return stepUp;
  const user = await getUser(db, session.userId);
  if (!user || user.disabled) return c.redirect('/login', 303);
  const newEmail = field(form, 'email', 300).trim().normalize('NFC').toLowerCase();
  // Counted before the password is checked: this form must not become a way to guess it.
  const limit = await takeRequest(db, 'emailChange', throttleAddress(c), user.email);
  if (!limit.allowed) {
    c.header('Retry-After', '3600');
    return page(c, session, user.hasPassword, newEmail, { email: 'Too many requests. Try again in an hour.' }, 429);
  }
  const errors: Errors = {};
  if (!EMAIL.test(newEmail) || newEmail.length > 254 || identifierProblem(newEmail)) errors.email = 'Enter an email address such as ada@example.com.';
  else if (newEmail === user.email) errors.email = 'This is already your address.';
  if (user.hasPassword && !(await authenticate(db, user.email, field(form, 'password', 1000)))) errors.password = 'The password is not correct.';
  if (Object.keys(errors).length) return page(c, session, user.hasPassword, newEmail, errors, 400);
  if (await emailTaken(db, newEmail)) {
    // The new address's owner learns of the attempt; the page says the same as for a free address.
    await sendMail(c, newEmail, (product) => emailInUseMail({ product }));
  } else {
    await revokeLinks(db, { userId: user.id, purpose: 'email-change' });
    const { token } = await createLink(db, { purpose: 'email-change', userId: user.id, email: newEmail, data: { oldEmail: user.email } });
    await sendMail(c, newEmail, (product) => emailChangeMail({ product, oldEmail: user.email, url: linkTo(c, '/account/email/confirm', token), ttlSeconds: LINK_TTL_SECONDS['email-change'] }));
  }
  audit(c, { type: 'email.change.request', actor: user.id, target: user.email, detail: { new_email: newEmail } });
  return html(
    c,
    <MessageOnly
      title="Check your new inbox"
      paragraphs={[`We have sent a link to ${newEmail}. Your address changes when you open it (within 24 hours).`]}
      link={{ href: '/my-apps', label: 'Back to My apps' }}
      branding={await pageBranding(c)}
      nonce={c.get('cspNonce')}
    />,
  );
});

emailChangeRoutes.get('/account/email/confirm', async (c) => {
  const token = c.req.query('token');
  const lookup = await peekLink(dbOf(c), token, 'email-change');
  if (!lookup.ok) return linkProblem(c, lookup, AGAIN);
  return html(
    c,
    <ConfirmPage
      title="Confirm your new email address"
      intro={`Use ${lookup.link.email} for your account from now on.`}
      action="/account/email/confirm"
      token={token!}
      csrf={csrfToken(c)}
      button="Use this address"
      branding={await pageBranding(c)}
      nonce={c.get('cspNonce')}
    />,
  );
});

emailChangeRoutes.post('/account/email/confirm', limitBody(16 * 1024), async (c) => {
  const form = await readCheckedForm(c);
  const db = dbOf(c);
  const used = await consumeLink(db, field(form, 'token', 100), 'email-change');
  if (!used.ok) return linkProblem(c, used, AGAIN);
  const { userId, email: newEmail, data } = used.link;
  let user;
  try {
    user = await updateUser(db, userId!, { email: newEmail, emailVerified: true });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    await releaseLink(db, used.link.hash);
    return html(
      c,
      <MessageOnly title="This address is taken" paragraphs={[`${newEmail} got an account of its own meanwhile, so your address was not changed.`]} link={{ href: '/account/email', label: 'Choose another address' }} branding={await pageBranding(c)} nonce={c.get('cspNonce')} />,
      409,
    );
  }
  // New tokens carry the new address at once; pending resets went to the old one and end here.
  await syncUserSessionsAndNotifyApps(c, user, { passwordChanged: false });
  await revokeLinks(db, { userId: user.id, purpose: 'email-change' });
  await revokeLinks(db, { userId: user.id, purpose: 'reset' });
  if (data.oldEmail) await sendMail(c, data.oldEmail, (product) => emailChangedMail({ product, newEmail }));
  audit(c, { type: 'email.change', actor: user.id, target: newEmail, detail: { old_email: data.oldEmail } });
  return html(
    c,
    <MessageOnly title="Your email address is changed" paragraphs={[`Your account now uses ${newEmail}. Sign in with it from now on.`]} link={{ href: '/my-apps', label: 'Go to My apps' }} branding={await pageBranding(c)} nonce={c.get('cspNonce')} />,
  );
});

// GET/POST /account/email: a signed-in user asks to use a new address (with their current
// password, if they have one). The link goes to the new address; using it changes the email,
// marks it verified, and tells the old address. The current address is told at once, with a link
// that stops the change (/account/email/cancel): whoever asked may only have stolen the password.
// A request replaces any pending change in one D1 batch, and a confirm uses its link and every
// other pending one in one statement, so racing requests leave one link and racing confirms
// change the address once. Recovery (a new password, sign out everywhere, a disable, an admin's
// new email) revokes pending changes: ./recovery.ts.
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
import { consumeLink, consumeLinkAndSiblings, LINK_TTL_SECONDS, peekLink, releaseLink, replaceLinks, revokeLinks } from './links';
import { emailChangedMail, emailChangeMail, emailChangeRequestedMail, emailInUseMail } from './messages';
import { ConfirmPage, EmailChangePage, MessageOnly } from './pages';
import { takeRequest } from './rate-limit';
import { linkTo, sendMail } from './send';
import { addressProven } from './recovery';
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
    const [token, cancelToken] = await replaceLinks(db, user.id, [
      { purpose: 'email-change', email: newEmail, data: { oldEmail: user.email } },
      { purpose: 'email-change-cancel', email: user.email, data: { newEmail } },
    ]);
    await sendMail(c, newEmail, (product) => emailChangeMail({ product, oldEmail: user.email, url: linkTo(c, '/account/email/confirm', token), ttlSeconds: LINK_TTL_SECONDS['email-change'] }));
    await sendMail(c, user.email, (product) =>
      emailChangeRequestedMail({ product, newEmail, cancelUrl: linkTo(c, '/account/email/cancel', cancelToken), ttlSeconds: LINK_TTL_SECONDS['email-change-cancel'] }),
    );
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
  const used = await consumeLinkAndSiblings(db, field(form, 'token', 100), 'email-change');
  if (!used.ok) return linkProblem(c, used, AGAIN);
  const { userId, email: newEmail, data } = used.link;
  const owner = await getUser(db, userId!);
  if (!owner || owner.disabled) {
    // A disabled account changes nothing: disabling it revoked its links, and one racing that ends here.
    return html(c, <MessageOnly title="This link no longer works" paragraphs={['The account is disabled, so its address was not changed. Ask your administrator.']} branding={await pageBranding(c)} nonce={c.get('cspNonce')} />, 403);
  }
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
  await revokeLinks(db, { userId: user.id, purpose: ['email-change', 'email-change-cancel', 'reset'] });
  await addressProven(c, user.id);
  if (data.oldEmail) await sendMail(c, data.oldEmail, (product) => emailChangedMail({ product, newEmail }));
  audit(c, { type: 'email.change', actor: user.id, target: newEmail, detail: { old_email: data.oldEmail } });
  return html(
    c,
    <MessageOnly title="Your email address is changed" paragraphs={[`Your account now uses ${newEmail}. Sign in with it from now on.`]} link={{ href: '/my-apps', label: 'Go to My apps' }} branding={await pageBranding(c)} nonce={c.get('cspNonce')} />,
  );
});

// The current address's way to stop a change it did not ask for: a page (mail scanners open links
// with GET), then a POST that uses the link and revokes every pending change of the account.
const CANCEL_AGAIN = { href: '/password/forgot', label: 'Choose a new password' };

emailChangeRoutes.get('/account/email/cancel', async (c) => {
  const token = c.req.query('token');
  const lookup = await peekLink(dbOf(c), token, 'email-change-cancel');
  if (!lookup.ok) return linkProblem(c, lookup, CANCEL_AGAIN);
  return html(
    c,
    <ConfirmPage
      title="Stop the change of your email address"
      intro={`Keep ${lookup.link.email} for your account, and cancel the change to ${lookup.link.data.newEmail ?? 'another address'}.`}
      action="/account/email/cancel"
      token={token!}
      csrf={csrfToken(c)}
      button="Keep my current address"
      branding={await pageBranding(c)}
      nonce={c.get('cspNonce')}
    />,
  );
});

emailChangeRoutes.post('/account/email/cancel', limitBody(16 * 1024), async (c) => {
  const form = await readCheckedForm(c);
  const db = dbOf(c);
  const used = await consumeLink(db, field(form, 'token', 100), 'email-change-cancel');
  if (!used.ok) return linkProblem(c, used, CANCEL_AGAIN);
  const revoked = await revokeLinks(db, { userId: used.link.userId!, purpose: ['email-change', 'email-change-cancel'] });
  audit(c, { type: 'email.change.cancel', actor: used.link.userId!, target: used.link.email, detail: { new_email: used.link.data.newEmail ?? '', revoked } });
  return html(
    c,
    <MessageOnly
      title="The change is stopped"
      paragraphs={[`Your account keeps ${used.link.email}. If you did not ask for the change, someone else may know your password: choose a new one now.`]}
      link={{ href: `/password/forgot?email=${encodeURIComponent(used.link.email)}`, label: 'Choose a new password' }}
      branding={await pageBranding(c)}
      nonce={c.get('cspNonce')}
    />,
  );
});

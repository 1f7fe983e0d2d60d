// Forgot password. POST /password/forgot answers the same page whether or not the account exists
// (the mail, if any, goes out after the response); GET/POST /password/reset use the 30-minute link.
// A new password ends every session and OIDC grant of the user and revokes pending email changes
// (./recovery.ts; apps are told). The form offers to remove every second factor too (one planted
// with a stolen password would outlive the new one). The POST answers 303 to a result page, so a
// reload does not post the used link again.
import { Hono } from 'hono';
import { audit } from '../audit/audit';
import { dbOf, throttleAddress, type AppContext, type AppEnv } from '../http/context';
import { csrfToken } from '../http/csrf';
import { limitBody } from '../http/forms';
import { hasSecondFactor, userFactors } from '../mfa/factors';
import { getUser, updateUser } from '../users/store';
import { field, html, linkProblem, pageBranding, readCheckedForm } from './common';
import { accountByEmail, sourceNames } from './accounts';
import { consumeLink, createLink, LINK_TTL_SECONDS, peekLink, revokeLinks } from './links';
import { resetAtSourceMail, resetMail } from './messages';
import { ForgotPasswordPage, MessageOnly, SetPasswordPage } from './pages';
import { newPasswordProblem } from './passwords';
import { takeRequest } from './rate-limit';
import { addressProven, applyUserChange } from './recovery';
import { afterResponse, deliverMail, linkTo } from './send';

export const resetRoutes = new Hono<AppEnv>();

const AGAIN = { href: '/password/forgot', label: 'Send me a new link' };
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

async function forgotForm(c: AppContext, email = '', error?: string, status = 200) {
  return html(c, <ForgotPasswordPage csrf={csrfToken(c)} email={email} error={error} branding={await pageBranding(c)} nonce={c.get('cspNonce')} />, status);
}

resetRoutes.get('/password/forgot', (c) => forgotForm(c, c.req.query('email')?.slice(0, 254) ?? ''));

resetRoutes.post('/password/forgot', limitBody(16 * 1024), async (c) => {
  const form = await readCheckedForm(c);
  const email = field(form, 'email', 254).trim().normalize('NFC').toLowerCase();
  if (!EMAIL.test(email)) return forgotForm(c, email, 'Enter an email address such as ada@example.com.', 400);
  const db = dbOf(c);
  const limit = await takeRequest(db, 'reset', throttleAddress(c), email);
  if (!limit.allowed && limit.by === 'ip') {
    c.header('Retry-After', '3600');
    return forgotForm(c, email, 'Too many requests from your network. Try again in an hour.', 429);
  }
  // From here the answer is the same for every address: known or not, limited or not.
  if (limit.allowed) {
    afterResponse(c, 'password reset request', async () => {
      const account = await accountByEmail(db, email);
      if (account && !account.disabled) {
        if (!account.hasPassword && account.sources.length > 0) {
          await deliverMail(c, account.email, (product) => resetAtSourceMail({ product, sources: sourceNames(account.sources) }));
        } else {
          await revokeLinks(db, { userId: account.id, purpose: 'reset' });
          const { token } = await createLink(db, { purpose: 'reset', userId: account.id, email: account.email });
          await deliverMail(c, account.email, (product) => resetMail({ product, url: linkTo(c, '/password/reset', token), ttlSeconds: LINK_TTL_SECONDS.reset }));
        }
      }
      audit(c, { type: 'password.reset.request', actor: 'anonymous', target: email, detail: { sent: Boolean(account && !account.disabled) } });
    });
  }
  return checkInbox(c, email);
});

async function checkInbox(c: AppContext, email: string) {
  return html(
    c,
    <MessageOnly
      title="Check your inbox"
      paragraphs={[
        `If ${email} has an account here, we have sent it a message with a link to choose a new password. The link works once, for 30 minutes.`,
        'No message after a few minutes? Check your spam folder, or ask again.',
      ]}
      link={{ href: '/login', label: 'Back to sign-in' }}
      branding={await pageBranding(c)}
      nonce={c.get('cspNonce')}
    />,
  );
}

async function resetForm(c: AppContext, token: string, email: string, userId: string, error?: string) {
  const factors = await userFactors(dbOf(c), userId);
  return html(
    c,
    <SetPasswordPage
      title="Choose a new password"
      intro={`For ${email}. Setting it signs you out on every device.`}
      action="/password/reset"
      token={token}
      email={email}
      csrf={csrfToken(c)}
      error={error}
      offerFactorRemoval={hasSecondFactor(factors) || factors.recoveryCodes > 0}
      button="Set new password"
      branding={await pageBranding(c)}
      nonce={c.get('cspNonce')}
    />,
    error ? 400 : 200,
  );
}

resetRoutes.get('/password/reset', async (c) => {
  const token = c.req.query('token');
  const lookup = await peekLink(dbOf(c), token, 'reset');
  if (!lookup.ok) return linkProblem(c, lookup, AGAIN);
  return resetForm(c, token!, lookup.link.email, lookup.link.userId!);
});

resetRoutes.post('/password/reset', limitBody(16 * 1024), async (c) => {
  const form = await readCheckedForm(c);
  const token = field(form, 'token', 100);
  const password = field(form, 'password', 1000);
  const db = dbOf(c);
  const peeked = await peekLink(db, token, 'reset');
  if (!peeked.ok) return linkProblem(c, peeked, AGAIN);
  const problem = newPasswordProblem(password, peeked.link.email);
  if (problem) return resetForm(c, token, peeked.link.email, peeked.link.userId!, problem);
  const used = await consumeLink(db, token, 'reset');
  if (!used.ok) return linkProblem(c, used, AGAIN);
  const removeFactors = form.remove_factors === 'on';
  const before = await getUser(db, used.link.userId!);
  // A new password revokes OIDC grants (updateUser); applyUserChange ends every session (apps told) and pending email changes.
  const user = await updateUser(db, used.link.userId!, { password, emailVerified: true });
  await applyUserChange(c, before ?? user, user, { passwordChanged: true, removeFactors });
  await addressProven(c, user.id);
  await revokeLinks(db, { userId: user.id, purpose: 'reset' });
  audit(c, { type: 'password.reset', actor: user.id, target: user.email, detail: { factors_removed: removeFactors } });
  return c.redirect(`/password/reset/done${removeFactors ? '?factors=removed' : ''}`, 303);
});

resetRoutes.get('/password/reset/done', async (c) =>
  html(
    c,
    <MessageOnly
      title="Your password is changed"
      paragraphs={[
        'You are signed out everywhere. Sign in with your new password.',
        ...(c.req.query('factors') === 'removed' ? ['Your second factors were removed: set up a new one on your Account page after you sign in.'] : []),
      ]}
      link={{ href: '/login', label: 'Sign in' }}
      branding={await pageBranding(c)}
      nonce={c.get('cspNonce')}
    />,
  ),
);

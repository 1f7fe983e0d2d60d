// GET/POST /signup (when enabled in the console), and GET/POST /signup/verify?token=… which
// creates the account. The answer to a valid form is the same page whether or not the address
// already has an account (that account's owner gets a "you already have an account" mail instead).
import { Hono } from 'hono';
import { audit } from '../audit/audit';
import { dbOf, throttleAddress, type AppContext, type AppEnv } from '../http/context';
import { csrfToken } from '../http/csrf';
import { limitBody } from '../http/forms';
import type { Errors } from '../ui/components';
import { hashPassword } from '../users/password';
import { field, html, linkProblem, pageBranding, readCheckedForm, startOnboardedSession } from './common';
import { consumeLink, createLink, eraseLinkData, LINK_TTL_SECONDS, peekLink } from './links';
import { signupExistsMail, verifyMail } from './messages';
import { ConfirmPage, MessageOnly, SignupPage } from './pages';
import { newPasswordProblem } from './passwords';
import { takeRequest } from './rate-limit';
import { afterResponse, deliverMail, linkTo } from './send';
import { domainMayRegister, loadSignupSettings, type SignupSettings } from './settings';
import { awaitApproval, createSignedUpUser, emailTaken, signupFieldProblems } from './signup';
import { TURNSTILE_FIELD, turnstileSiteKey, verifyTurnstile } from './turnstile';

export const signupRoutes = new Hono<AppEnv>();

const AGAIN = { href: '/signup', label: 'Sign up again' };

async function closed(c: AppContext) {
  return html(
    c,
    <MessageOnly
      title="Sign-up is closed"
      paragraphs={['Accounts here are created by invitation. Ask your administrator for one.']}
      link={{ href: '/login', label: 'Go to sign-in' }}
      branding={await pageBranding(c)}
      nonce={c.get('cspNonce')}
    />,
    404,
  );
}

async function signupForm(c: AppContext, settings: SignupSettings, values = { name: '', email: '' }, errors?: Errors, error?: string, status = 200) {
  const siteKey = turnstileSiteKey(c.env);
  if (siteKey) c.set('frameOrigins', ['https://challenges.cloudflare.com']);
  return html(
    c,
    <SignupPage csrf={csrfToken(c)} values={values} errors={errors} error={error} domains={settings.allowedDomains} siteKey={siteKey} branding={await pageBranding(c)} nonce={c.get('cspNonce')} />,
    status,
  );
}

signupRoutes.get('/signup', async (c) => {
  const settings = await loadSignupSettings(c.env);
  return settings.enabled ? signupForm(c, settings) : closed(c);
});

signupRoutes.post('/signup', limitBody(16 * 1024), async (c) => {
  const settings = await loadSignupSettings(c.env);
  if (!settings.enabled) return closed(c);
  const form = await readCheckedForm(c);
  const values = { name: field(form, 'name', 300).trim(), email: field(form, 'email', 300).trim().normalize('NFC').toLowerCase() };
  const password = field(form, 'password', 1000);
  const db = dbOf(c);
  const ip = throttleAddress(c);
  if (!(await verifyTurnstile(c.env, form[TURNSTILE_FIELD], ip))) {
    return signupForm(c, settings, values, undefined, 'The check that you are a person did not pass. Try again.', 400);
  }
  const errors: Errors = signupFieldProblems({ ...values, password });
  if (!errors.email && !domainMayRegister(values.email, settings.allowedDomains)) {
    errors.email = `Sign-up is open to addresses at ${settings.allowedDomains.join(', ')} only.`;
  }
  const passwordProblem = newPasswordProblem(password, values.email);
  if (passwordProblem) errors.password = passwordProblem;
  if (Object.keys(errors).length) return signupForm(c, settings, values, errors, undefined, 400);

  const limit = await takeRequest(db, 'signup', ip, values.email);
  if (!limit.allowed && limit.by === 'ip') {
    c.header('Retry-After', '3600');
    return signupForm(c, settings, values, undefined, 'Too many sign-ups from your network. Try again in an hour.', 429);
  }
  if (limit.allowed) {
    // After the response: whether the address has an account changes neither the answer nor its timing.
    afterResponse(c, 'sign-up', async () => {
      if (await emailTaken(db, values.email)) {
        await deliverMail(c, values.email, (product) => signupExistsMail({ product, loginUrl: linkTo(c, '/login'), forgotUrl: linkTo(c, `/password/forgot?email=${encodeURIComponent(values.email)}`) }));
      } else {
        const passwordHash = await hashPassword(password);
        const { token } = await createLink(db, { purpose: 'verify', email: values.email, data: { name: values.name, passwordHash } });
        await deliverMail(c, values.email, (product) => verifyMail({ product, url: linkTo(c, '/signup/verify', token), ttlSeconds: LINK_TTL_SECONDS.verify }));
      }
      audit(c, { type: 'signup.request', actor: 'anonymous', target: values.email });
    });
  }
  return html(
    c,
    <MessageOnly
      title="Check your inbox"
      paragraphs={[`We have sent a message to ${values.email}. Open the link in it to finish creating your account; it works for 24 hours.`, 'No message after a few minutes? Check your spam folder.']}
      branding={await pageBranding(c)}
      nonce={c.get('cspNonce')}
    />,
  );
});

signupRoutes.get('/signup/verify', async (c) => {
  const token = c.req.query('token');
  const lookup = await peekLink(dbOf(c), token, 'verify');
  if (!lookup.ok) return linkProblem(c, lookup, AGAIN);
  return html(
    c,
    <ConfirmPage
      title="Confirm your email address"
      intro={`Confirm ${lookup.link.email} to create your account.`}
      action="/signup/verify"
      token={token!}
      csrf={csrfToken(c)}
      button="Confirm and create my account"
      branding={await pageBranding(c)}
      nonce={c.get('cspNonce')}
    />,
  );
});

signupRoutes.post('/signup/verify', limitBody(16 * 1024), async (c) => {
  const form = await readCheckedForm(c);
  const db = dbOf(c);
  // Sign-up closed, or the address's domain no longer allowed, since the link was sent: no account.
  const settings = await loadSignupSettings(c.env);
  if (!settings.enabled) return closed(c);
  const token = field(form, 'token', 100);
  const peeked = await peekLink(db, token, 'verify');
  if (peeked.ok && !domainMayRegister(peeked.link.email, settings.allowedDomains)) return closed(c);
  const used = await consumeLink(db, token, 'verify');
  if (!used.ok) return linkProblem(c, used, AGAIN);
  const user = await createSignedUpUser(db, used.link, !settings.requireApproval);
  await eraseLinkData(db, used.link.hash);
  const branding = await pageBranding(c);
  const nonce = c.get('cspNonce');
  if (!user) {
    return html(
      c,
      <MessageOnly title="You already have an account" paragraphs={[`${used.link.email} already has an account. Sign in, or reset your password if you have forgotten it.`]} link={{ href: '/login', label: 'Go to sign-in' }} branding={branding} nonce={nonce} />,
      409,
    );
  }
  audit(c, { type: 'signup.verify', actor: user.id, target: user.email, detail: { approval_required: settings.requireApproval } });
  if (settings.requireApproval) {
    await awaitApproval(db, user);
    return html(c, <MessageOnly title="Your email address is confirmed" paragraphs={['An administrator must approve your account before you can sign in. We will email you when it is ready.']} branding={branding} nonce={nonce} />);
  }
  // The same MFA policy as any password sign-in: a required factor is enrolled before any token.
  const signedIn = await startOnboardedSession(c, user, { passwordHash: used.link.data.passwordHash, sessionVersion: user.sessionVersion }, 'signup');
  if (signedIn instanceof Response) return signedIn;
  return c.redirect(signedIn ? '/my-apps' : '/login', 303);
});

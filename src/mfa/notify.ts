// Tells the user by email when a second factor is added to or removed from their account, so a
// factor planted (or removed) by someone who knew the password does not go unnoticed.
import { brandedMessage, emailBranding, sendEmail } from '../email/send';
import { issuerOf, type AppContext } from '../http/context';

export type FactorKind = 'totp' | 'passkey' | 'recovery-codes' | 'all';
export interface FactorChange {
  factor: FactorKind;
  action: 'added' | 'removed';
  /** Who did it: the user on /account, or an administrator. */
  by?: 'user' | 'admin';
}

const NAMES: Record<FactorKind, string> = {
  totp: 'An authenticator app',
  passkey: 'A passkey',
  'recovery-codes': 'A new set of recovery codes',
  all: 'All second factors',
};

/** The message, pure. */
export function factorChangeMail(product: string, change: FactorChange) {
  const what = `${NAMES[change.factor]} ${change.factor === 'all' || change.factor === 'recovery-codes' ? 'were' : 'was'} ${change.action === 'added' ? 'added to' : 'removed from'} your ${product} account`;
  return {
    subject: `Security alert: ${NAMES[change.factor].toLowerCase()} ${change.action}`,
    content: {
      title: `${NAMES[change.factor]} ${change.action === 'added' ? 'added' : 'removed'}`,
      paragraphs: [
        `${what}${change.by === 'admin' ? ' by an administrator' : ''}.`,
        'If this was not you, change your password at once and contact your administrator: someone else may be using your account.',
      ],
    },
  };
}

/** Queues the message to the user's address (delivered after the response). */
export async function notifyFactorChange(c: AppContext, to: string, change: FactorChange): Promise<void> {
  const branding = await emailBranding(c.env);
  const mail = factorChangeMail(branding.productName, change);
  const body = brandedMessage(branding, mail.content, issuerOf(c));
  sendEmail(c, { to, subject: mail.subject, text: body.text, html: body.html, kind: `mfa-${change.action}` });
}

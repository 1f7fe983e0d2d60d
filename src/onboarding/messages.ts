// What each onboarding email says. Pure: content in, G1's branded layout renders it
// (src/email/branded.ts) and sendEmail delivers it after the response.
import type { MessageContent } from '../email/send';

export interface Mail {
  kind: 'invite' | 'verify' | 'signup-exists' | 'reset' | 'reset-at-source' | 'email-change' | 'email-change-requested' | 'email-in-use' | 'email-changed' | 'signup-approved';
  subject: string;
  content: MessageContent;
}

const IGNORE = 'If you did not ask for this, you can ignore this message: nothing changes.';
const days = (seconds: number) => Math.round(seconds / 86400);
const lifetime = (seconds: number) => (seconds >= 86400 ? `${days(seconds)} day${days(seconds) === 1 ? '' : 's'}` : `${Math.round(seconds / 60)} minutes`);

export function inviteMail(p: { product: string; appName?: string; name: string; url: string; ttlSeconds: number }): Mail {
  const to = p.appName ? `${p.appName} (through ${p.product})` : p.product;
  return {
    kind: 'invite',
    subject: `You are invited to ${p.appName ?? p.product}`,
    content: {
      title: `You are invited to ${p.appName ?? p.product}`,
      paragraphs: [
        `${p.name ? `Hello ${p.name}, an` : 'An'} administrator has created an account for you at ${to}.`,
        `Choose your password to start. This link works once and expires in ${lifetime(p.ttlSeconds)}.`,
      ],
      action: { label: 'Accept the invitation', url: p.url },
      footnote: 'If you did not expect this invitation, ignore this message.',
    },
  };
}

export function verifyMail(p: { product: string; url: string; ttlSeconds: number }): Mail {
  return {
    kind: 'verify',
    subject: `Confirm your email address for ${p.product}`,
    content: {
      title: 'Confirm your email address',
      paragraphs: [`Someone, probably you, signed up at ${p.product} with this address.`, `Confirm it to finish creating your account. This link works once and expires in ${lifetime(p.ttlSeconds)}.`],
      action: { label: 'Confirm my email address', url: p.url },
      footnote: `${IGNORE} No account is created without this confirmation.`,
    },
  };
}

export function signupExistsMail(p: { product: string; loginUrl: string; forgotUrl: string }): Mail {
  return {
    kind: 'signup-exists',
    subject: `You already have an account at ${p.product}`,
    content: {
      title: 'You already have an account',
      paragraphs: [
        `Someone, probably you, tried to sign up at ${p.product} with this address, which already has an account. Nothing was changed.`,
        `Sign in at ${p.loginUrl}. If you have forgotten your password, you can choose a new one.`,
      ],
      action: { label: 'Reset my password', url: p.forgotUrl },
      footnote: 'If this was not you, you can ignore this message.',
    },
  };
}

export function resetMail(p: { product: string; url: string; ttlSeconds: number }): Mail {
  return {
    kind: 'reset',
    subject: `Reset your ${p.product} password`,
    content: {
      title: 'Reset your password',
      paragraphs: [
        `Someone, probably you, asked to reset the password of your ${p.product} account.`,
        `Choose a new password with the link below. It works once and expires in ${lifetime(p.ttlSeconds)}. Setting a new password signs you out everywhere.`,
      ],
      action: { label: 'Choose a new password', url: p.url },
      footnote: `${IGNORE} Your password stays as it is.`,
    },
  };
}

export function resetAtSourceMail(p: { product: string; sources: string[] }): Mail {
  const where = p.sources.length ? p.sources.join(', ') : 'your organisation’s directory';
  return {
    kind: 'reset-at-source',
    subject: `About your ${p.product} password`,
    content: {
      title: 'Your password is managed elsewhere',
      paragraphs: [
        `Someone, probably you, asked to reset the password of your ${p.product} account.`,
        `You sign in to ${p.product} with ${where}, so ${p.product} has no password for you to reset. Change your password there, or ask your administrator.`,
      ],
      footnote: 'If this was not you, you can ignore this message.',
    },
  };
}

export function emailChangeMail(p: { product: string; url: string; ttlSeconds: number; oldEmail: string }): Mail {
  return {
    kind: 'email-change',
    subject: `Confirm your new email address for ${p.product}`,
    content: {
      title: 'Confirm your new email address',
      paragraphs: [`The ${p.product} account ${p.oldEmail} asked to use this address from now on.`, `Confirm it with the link below. It works once and expires in ${lifetime(p.ttlSeconds)}.`],
      action: { label: 'Use this address', url: p.url },
      footnote: `${IGNORE} The account keeps its current address.`,
    },
  };
}

/** To the current address when a change is asked for: the owner can stop it before it is confirmed. */
export function emailChangeRequestedMail(p: { product: string; newEmail: string; cancelUrl: string; ttlSeconds: number }): Mail {
  return {
    kind: 'email-change-requested',
    subject: `Your ${p.product} email address is about to change`,
    content: {
      title: 'Your email address is about to change',
      paragraphs: [
        `Someone signed in to your ${p.product} account asked to use ${p.newEmail} instead of this address. A confirmation link went to ${p.newEmail}; the change happens only when it is opened.`,
        `If this was not you, stop the change with the link below (it works for ${lifetime(p.ttlSeconds)}), then choose a new password: someone else may know yours.`,
      ],
      action: { label: 'Stop this change', url: p.cancelUrl },
      footnote: 'If you asked for this change, you can ignore this message.',
    },
  };
}

export function emailInUseMail(p: { product: string }): Mail {
  return {
    kind: 'email-in-use',
    subject: `About your ${p.product} account`,
    content: {
      title: 'This address already has an account',
      paragraphs: [`Someone asked to move another ${p.product} account to this address, which already has an account. Nothing was changed.`],
      footnote: 'If this was not you, you can ignore this message.',
    },
  };
}

export function emailChangedMail(p: { product: string; newEmail: string }): Mail {
  return {
    kind: 'email-changed',
    subject: `Your ${p.product} email address was changed`,
    content: {
      title: 'Your email address was changed',
      paragraphs: [
        `Your ${p.product} account now uses ${p.newEmail}; messages will go there from now on.`,
        'If you did not make this change, contact your administrator at once: someone else may be using your account.',
      ],
    },
  };
}

export function approvedMail(p: { product: string; loginUrl: string }): Mail {
  return {
    kind: 'signup-approved',
    subject: `Your ${p.product} account is ready`,
    content: {
      title: 'Your account is approved',
      paragraphs: [`An administrator approved your ${p.product} account. You can sign in now.`],
      action: { label: 'Sign in', url: p.loginUrl },
    },
  };
}

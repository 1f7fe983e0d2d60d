// Which transport sends: the Email Service binding when configured, else SMTP_URL, else none.
import type { Bindings } from '../env';
import { bindingTransport } from './binding';
import { PermanentEmailError } from './retry';
import type { Transport } from './sender';
import { describeSmtp, parseSmtpUrl } from './smtp-protocol';
import { smtpTransport } from './smtp';


export type TransportChoice =
  | { kind: 'email-service'; description: string }
  | { kind: 'smtp'; description: string }
  | { kind: 'none'; description: string }
  | { kind: 'invalid'; description: string };

export const NO_TRANSPORT =
  'No email transport is configured: add the EMAIL send_email binding in wrangler.toml, or set the SMTP_URL secret (see README, "Email and onboarding").';

/** What would send, described without secrets (for the console, the API and errors). Pure. */
export function describeTransport(env: Pick<Bindings, 'EMAIL' | 'SMTP_URL'>): TransportChoice {
  if (env.EMAIL) return { kind: 'email-service', description: 'Cloudflare Email Service (send_email binding EMAIL)' };
  if (env.SMTP_URL?.trim()) {
    try {
      return { kind: 'smtp', description: `SMTP submission to ${describeSmtp(parseSmtpUrl(env.SMTP_URL))}` };
    } catch (error) {
      return { kind: 'invalid', description: (error as Error).message };
    }
  }
  return { kind: 'none', description: NO_TRANSPORT };
}

/** The transport for this environment; throws a permanent error when none or a bad one is configured. */
export function transportFor(env: Bindings): Transport {
  if (env.EMAIL) return bindingTransport(env.EMAIL);
  if (env.SMTP_URL?.trim()) {
    let config;
    try {
      config = parseSmtpUrl(env.SMTP_URL);
    } catch (error) {
      throw new PermanentEmailError((error as Error).message);
    }
    return smtpTransport(config);
  }
  throw new PermanentEmailError(NO_TRANSPORT);
}

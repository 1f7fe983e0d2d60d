// Renders an onboarding mail in the right branding and queues it (src/email/ sends it after the response).
import { brandedMessage, emailBranding, sendEmail } from '../email/send';
import { issuerOf, type AppContext } from '../http/context';
import type { Mail } from './messages';

/** The product name messages speak in: the global branding's, or the app's. */
export async function productName(c: AppContext, clientId?: string): Promise<string> {
  return (await emailBranding(c.env, clientId)).productName;
}

export async function sendMail(c: AppContext, to: string, build: (product: string) => Mail, clientId?: string): Promise<void> {
  const branding = await emailBranding(c.env, clientId);
  const mail = build(branding.productName);
  const body = brandedMessage(branding, mail.content, issuerOf(c));
  sendEmail(c, { to, subject: mail.subject, text: body.text, html: body.html, kind: mail.kind, clientId });
}

/** An absolute link to `path` on this server (the issuer's origin). */
export function linkTo(c: AppContext, path: string, token?: string): string {
  const url = new URL(path, `${issuerOf(c)}/`);
  if (token) url.searchParams.set('token', token);
  return url.href;
}

// Renders an onboarding mail in the right branding and queues it (src/email/ sends it after the response).
import { brandedMessage, deliver, emailBranding, sendEmail, type OutgoingEmail } from '../email/send';
import { issuerOf, type AppContext } from '../http/context';
import type { Mail } from './messages';

/** The product name messages speak in: the global branding's, or the app's. */
export async function productName(c: AppContext, clientId?: string): Promise<string> {
  return (await emailBranding(c.env, clientId)).productName;
}

async function render(c: AppContext, to: string, build: (product: string) => Mail, clientId?: string): Promise<OutgoingEmail> {
  const branding = await emailBranding(c.env, clientId);
  const mail = build(branding.productName);
  const body = brandedMessage(branding, mail.content, issuerOf(c));
  return { to, subject: mail.subject, text: body.text, html: body.html, kind: mail.kind, clientId };
}

/** Queues the message: it is delivered after the response. */
export async function sendMail(c: AppContext, to: string, build: (product: string) => Mail, clientId?: string): Promise<void> {
  sendEmail(c, await render(c, to, build, clientId));
}

/** Delivers the message now (for work that already runs after the response). */
export async function deliverMail(c: AppContext, to: string, build: (product: string) => Mail, clientId?: string): Promise<void> {
  await deliver(c, await render(c, to, build, clientId));
}

/**
 * Runs `work` after the response. The anonymous forms (sign-up, forgot password) answer before
 * looking the address up, so neither their answer nor its timing depends on whether it has an
 * account.
 */
export function afterResponse(c: AppContext, label: string, work: () => Promise<void>): void {
  c.executionCtx.waitUntil(
    work().catch((error: unknown) => console.error(`${label} failed after the response:`, error instanceof Error ? error.message : String(error))),
  );
}

/** An absolute link to `path` on this server (the issuer's origin). */
export function linkTo(c: AppContext, path: string, token?: string): string {
  const url = new URL(path, `${issuerOf(c)}/`);
  if (token) url.searchParams.set('token', token);
  return url.href;
}

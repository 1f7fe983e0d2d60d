// Sending email: the one entry point the rest of the Worker uses. The message is built and
// delivered after the response (ctx.waitUntil) with a bounded retry; the outcome is audited
// (`email.sent` without the body, which may hold a one-time link; `email.failed` with the reason).
import { loadServedApp } from '../apps/served';
import { audit } from '../audit/audit';
import type { Branding } from '../branding/branding';
import { brandingFor } from '../branding/page';
import type { Bindings } from '../env';
import { issuerOf, type AppContext } from '../http/context';
import { buildMessage, senderFrom } from './message';
import { deliverWithRetry, RETRY_DELAYS_MS } from './retry';
import { transportFor } from './transport';

export { brandedMessage, type MessageContent, type RenderedBody } from './branded';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** What the message is for, e.g. 'invite', 'reset', 'verify', 'test': recorded in the audit log. */
  kind: string;
  /** The app the message is about: its branding names the sender. */
  clientId?: string;
}

/** The branding a message about `clientId` (or about no app) is rendered in. */
export async function emailBranding(env: Bindings, clientId?: string): Promise<Branding> {
  const app = clientId ? await loadServedApp(env, clientId).catch(() => null) : null;
  return brandingFor(env, app);
}

/**
 * Queues the message with c.executionCtx.waitUntil; bounded retry; failures audited
 * (`email.failed`), successes audited (`email.sent`, no body). Never throws: a request that
 * sends mail answers the same whether or not the mail goes out.
 */
export function sendEmail(c: AppContext, message: OutgoingEmail): void {
  c.executionCtx.waitUntil(deliver(c, message));
}

/** The delivery `sendEmail` queues; exported for callers that must wait (the console's test button). */
export async function deliver(c: AppContext, message: OutgoingEmail, delaysMs: readonly number[] = RETRY_DELAYS_MS): Promise<boolean> {
  const target = message.to;
  const detail = { kind: message.kind, ...(message.clientId ? { client_id: message.clientId } : {}) };
  try {
    const transport = transportFor(c.env);
    const branding = await emailBranding(c.env, message.clientId);
    const issuer = issuerOf(c);
    const from = senderFrom(c.env.EMAIL_FROM, issuer, branding.productName);
    const built = buildMessage({ from, to: message.to, subject: message.subject, text: message.text, html: message.html, issuer });
    const outcome = await deliverWithRetry(() => transport.send(built), delaysMs);
    if (outcome.ok) {
      audit(c, { type: 'email.sent', actor: 'system', target, detail: { ...detail, transport: transport.name, message_id: built.messageId, attempts: outcome.attempts } });
      return true;
    }
    audit(c, { type: 'email.failed', actor: 'system', target, detail: { ...detail, transport: transport.name, attempts: outcome.attempts, error: outcome.error } });
    console.error(`email (${message.kind}) to ${target} failed after ${outcome.attempts} attempts: ${outcome.error}`);
    return false;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    audit(c, { type: 'email.failed', actor: 'system', target, detail: { ...detail, attempts: 0, error: reason } });
    console.error(`email (${message.kind}) to ${target} not sent: ${reason}`);
    return false;
  }
}

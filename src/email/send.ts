// Sending email: the one entry point the rest of the Worker uses. The message is built and
// delivered after the response (ctx.waitUntil) with a bounded retry; the outcome is audited
// (`email.sent` without the body, which may hold a one-time link; `email.failed` with the reason).
import { loadServedApp } from '../apps/served';
import { audit } from '../audit/audit';
import type { Branding } from '../policy/branding';
import { brandingFor } from '../branding/page';
import type { Bindings } from '../env';
import { issuerOf, type AppContext } from '../http/context';
import { buildMessage, senderFrom } from './message';
import { deliverWithRetry, RETRY_DELAYS_MS } from './retry';
import { describeTransport, transportFor } from './transport';

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

export type DeliveryResult =
  | { ok: true; transport: string; messageId: string; attempts: number }
  | { ok: false; transport: string; attempts: number; error: string };

/**
 * Builds and delivers one message, retrying after each of `delaysMs`, and audits the outcome.
 * `sendEmail` queues it; the console's test button awaits it with no retry, to show the result.
 */
export async function deliver(c: AppContext, message: OutgoingEmail, delaysMs: readonly number[] = RETRY_DELAYS_MS): Promise<DeliveryResult> {
  const target = message.to;
  const detail = { kind: message.kind, ...(message.clientId ? { client_id: message.clientId } : {}) };
  let transportName = describeTransport(c.env).kind;
  try {
    const transport = transportFor(c.env);
    transportName = transport.name;
    const branding = await emailBranding(c.env, message.clientId);
    const issuer = issuerOf(c);
    const from = senderFrom(c.env.EMAIL_FROM, issuer, branding.productName);
    const built = buildMessage({ from, to: message.to, subject: message.subject, text: message.text, html: message.html, issuer });
    const outcome = await deliverWithRetry(() => transport.send(built), delaysMs);
    if (outcome.ok) {
      audit(c, { type: 'email.sent', actor: 'system', target, detail: { ...detail, transport: transport.name, message_id: built.messageId, attempts: outcome.attempts } });
      return { ok: true, transport: transport.name, messageId: built.messageId, attempts: outcome.attempts };
    }
    return failed(c, message, detail, transportName, outcome.attempts, outcome.error);
  } catch (error) {
    return failed(c, message, detail, transportName, 0, error instanceof Error ? error.message : String(error));
  }
}

function failed(c: AppContext, message: OutgoingEmail, detail: Record<string, unknown>, transport: string, attempts: number, error: string): DeliveryResult {
  audit(c, { type: 'email.failed', actor: 'system', target: message.to, detail: { ...detail, transport, attempts, error } });
  console.error(`email (${message.kind}) to ${message.to} failed after ${attempts} attempt(s): ${error}`);
  return { ok: false, transport, attempts, error };
}

// Console: Email. Which transport sends (never its secrets), the sender, a "Send test email"
// button, and the latest deliveries from the audit log with each failure's reason.
import { desc, like } from 'drizzle-orm';
import { Hono } from 'hono';
import type { AuditEventRow } from '../../audit/query';
import { database } from '../../db/client';
import { auditEvents } from '../../db/schema';
import { emailBranding } from '../../email/send';
import { senderFrom } from '../../email/message';
import { sendTestEmail, testEmailAddressProblem } from '../../email/test-email';
import { describeTransport } from '../../email/transport';
import { issuerOf } from '../../http/context';
import { csrfToken } from '../../http/csrf';
import { PostForm } from '../../ui/components';
import { DataTable, type Column } from '../../ui/table';
import { actorOf, formText, type ConsoleEnv } from './context';
import { ConsolePage, noticeFrom } from './layout';

export const emailPages = new Hono<ConsoleEnv>();

const RECENT = 10;

/** A delivery's kind: the message's own, or "test (admin)" for the button below. */
const kindOf = (e: AuditEventRow) => String(e.detail.kind ?? (e.type === 'email.test' ? 'test (admin)' : ''));
/** A failure's reason, else the transport that took it. */
const outcomeOf = (e: AuditEventRow) => (typeof e.detail.error === 'string' ? e.detail.error : e.detail.transport ? `via ${String(e.detail.transport)}` : '');

const EVENT_COLUMNS: Column<AuditEventRow>[] = [
  { header: 'Time (UTC)', cell: (e) => new Date(e.at * 1000).toISOString().replace('T', ' ').slice(0, 19) },
  { header: 'Event', cell: (e) => e.type },
  { header: 'To', cell: (e) => e.target },
  { header: 'Kind', cell: kindOf },
  { header: 'Details', cell: outcomeOf },
];

emailPages.get('/', async (c) => {
  const transport = describeTransport(c.env);
  const branding = await emailBranding(c.env);
  let sender: string;
  try {
    const from = senderFrom(c.env.EMAIL_FROM, issuerOf(c), branding.productName);
    sender = `${from.name} <${from.address}>`;
  } catch (error) {
    sender = (error as Error).message;
  }
  const recent = await database(c.env.DB).select().from(auditEvents).where(like(auditEvents.type, 'email.%')).orderBy(desc(auditEvents.id)).limit(RECENT);
  const problem = c.req.query('problem') === 'address' ? testEmailAddressProblem(c.req.query('to') ?? '') : null;
  return c.html(
    <ConsolePage c={c} title="Email" notice={noticeFrom(c)}>
      <div class="card">
        <h2>Delivery</h2>
        <dl>
          <dt>Transport</dt>
          <dd id="email-transport">{transport.description}</dd>
          <dt>Sender</dt>
          <dd id="email-sender">{sender}</dd>
        </dl>
        <p class="muted">
          Mail goes through the Cloudflare Email Service binding EMAIL when wrangler.toml configures it, else through the SMTP relay in the SMTP_URL secret (ports 587 or 465;
          port 25 is blocked on Workers). EMAIL_FROM sets the sender. See the README, "Email and onboarding".
        </p>
      </div>
      <div class="card">
        <h2>Send test email</h2>
        {problem && (
          <div class="alert" role="alert">
            {problem}
          </div>
        )}
        <PostForm action="/admin/email/test" csrf={csrfToken(c)}>
          <label for="test-to">Send to</label>
          <input id="test-to" name="to" type="email" required autocomplete="email" value={c.req.query('to') ?? c.get('admin').profile.email} />
          <button type="submit">Send test email</button>
        </PostForm>
      </div>
      <DataTable label="Latest email events" id="email-events" before={<h2>Latest email events</h2>} rows={recent} columns={EVENT_COLUMNS} empty="No email has been sent yet.">
        <p class="muted">
          <a href="/admin/audit?type=email.failed">All failed deliveries in the audit log</a>
        </p>
      </DataTable>
    </ConsolePage>,
  );
});

emailPages.post('/test', async (c) => {
  const to = formText(c, 'to');
  if (testEmailAddressProblem(to)) return c.redirect(`/admin/email?problem=address&to=${encodeURIComponent(to.slice(0, 254))}`, 303);
  const result = await sendTestEmail(c, to, actorOf(c));
  return c.redirect(`/admin/email?notice=${result.ok ? 'test_email_sent' : 'test_email_failed'}`, 303);
});

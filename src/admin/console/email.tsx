// Console: Email. Which transport sends (never its secrets), the sender, a "Send test email"
// button, and the latest deliveries from the audit log with each failure's reason.
import { desc, like } from 'drizzle-orm';
import { Hono } from 'hono';
import { database } from '../../db/client';
import { auditEvents } from '../../db/schema';
import { emailBranding } from '../../email/send';
import { senderFrom } from '../../email/message';
import { sendTestEmail, testEmailAddressProblem } from '../../email/test-email';
import { describeTransport } from '../../email/transport';
import { issuerOf } from '../../http/context';
import { csrfToken } from '../../http/csrf';
import { PostForm } from '../../ui/components';
import { actorOf, formText, type ConsoleEnv } from './context';
import { ConsolePage, noticeFrom } from './layout';

export const emailPages = new Hono<ConsoleEnv>();

const RECENT = 10;

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
      <div class="card table-wrap" role="region" aria-label="Latest email events" tabindex={0}>
        <h2>Latest email events</h2>
        {recent.length === 0 ? (
          <p>No email has been sent yet.</p>
        ) : (
          <table id="email-events">
            <thead>
              <tr>
                <th>Time (UTC)</th>
                <th>Event</th>
                <th>To</th>
                <th>Kind</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {recent.map((e) => (
                <tr>
                  <td>{new Date(e.at * 1000).toISOString().replace('T', ' ').slice(0, 19)}</td>
                  <td>{e.type}</td>
                  <td>{e.target}</td>
                  <td>{String(e.detail.kind ?? (e.type === 'email.test' ? 'test (admin)' : ''))}</td>
                  <td>{typeof e.detail.error === 'string' ? e.detail.error : e.detail.transport ? `via ${String(e.detail.transport)}` : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p class="muted">
          <a href="/admin/audit?type=email.failed">All failed deliveries in the audit log</a>
        </p>
      </div>
    </ConsolePage>,
  );
});

emailPages.post('/test', async (c) => {
  const to = formText(c, 'to');
  if (testEmailAddressProblem(to)) return c.redirect(`/admin/email?problem=address&to=${encodeURIComponent(to.slice(0, 254))}`, 303);
  const result = await sendTestEmail(c, to, actorOf(c));
  return c.redirect(`/admin/email?notice=${result.ok ? 'test_email_sent' : 'test_email_failed'}`, 303);
});

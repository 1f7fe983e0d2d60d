// The "Send test email" action shared by the console and the admin API: one attempt, awaited,
// so the admin sees at once whether the configuration works and, if not, the server's answer.
import { audit } from '../audit/audit';
import { issuerOf, type AppContext } from '../http/context';
import { brandedMessage } from './branded';
import { isMailAddress } from './message';
import { deliver, emailBranding, type DeliveryResult } from './send';
import { describeTransport } from './transport';

export function testEmailAddressProblem(to: string): string | null {
  if (!to) return 'Enter the address to send the test email to.';
  if (!isMailAddress(to)) return 'Enter one email address, like ada@example.com.';
  return null;
}

export async function sendTestEmail(c: AppContext, to: string, actor: string): Promise<DeliveryResult> {
  const branding = await emailBranding(c.env);
  const issuer = issuerOf(c);
  const body = brandedMessage(
    branding,
    {
      title: `Test email from ${branding.productName}`,
      paragraphs: [
        `This message was sent from the admin console of ${issuer} to check its email settings.`,
        `Transport: ${describeTransport(c.env).description}.`,
        'If you can read it, invitations, verification links and password resets will reach people too.',
      ],
    },
    issuer,
  );
  const result = await deliver(c, { to, subject: `Test email from ${branding.productName}`, ...body, kind: 'test' }, []);
  audit(c, { type: 'email.test', actor, target: to, detail: result.ok ? { transport: result.transport, result: 'sent' } : { transport: result.transport, result: 'failed', error: result.error } });
  return result;
}

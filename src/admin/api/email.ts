// /api/admin/email: the configured transport (without secrets) and the test email.
import { Hono } from 'hono';
import { sendTestEmail, testEmailAddressProblem } from '../../email/test-email';
import { describeTransport } from '../../email/transport';
import type { AppEnv } from '../../http/context';
import { ValidationError } from '../../lib/errors';
import { asObject } from '../../lib/validation';
import { API_ACTOR, readJson } from './request';

export const emailApi = new Hono<AppEnv>();

emailApi.get('/', (c) => {
  const transport = describeTransport(c.env);
  return c.json({ transport: transport.kind, description: transport.description });
});

emailApi.post('/test', async (c) => {
  const input = asObject(await readJson(c));
  const to = typeof input.to === 'string' ? input.to.trim() : '';
  const problem = testEmailAddressProblem(to);
  if (problem) throw new ValidationError({ to: problem });
  const result = await sendTestEmail(c, to, API_ACTOR);
  if (result.ok) return c.json({ sent: true, to, transport: result.transport, message_id: result.messageId });
  return c.json({ error: 'email_failed', message: `The test email was not sent: ${result.error}`, transport: result.transport }, 502);
});

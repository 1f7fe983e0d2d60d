// Sending: transport selection, delivery in waitUntil through the real Worker context, the
// bounded retry, and the audit trail of every outcome; the admin API and console test button.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deliverWithRetry, PermanentEmailError } from '../../src/email/retry';
import { deliver, sendEmail } from '../../src/email/send';
import { describeTransport, NO_TRANSPORT, transportFor } from '../../src/email/transport';
import type { Bindings } from '../../src/env';
import type { AppEnv } from '../../src/http/context';
import { admin, Browser, createUser, hiddenFields, ORIGIN, PASSWORD, unique } from '../helpers';

afterEach(() => vi.restoreAllMocks());

// Nothing listens on port 1: every connection attempt is refused.
const CLOSED_SMTP = 'smtp://127.0.0.1:1';

/** A route that sends, run with the given bindings; resolves after its waitUntil work. */
async function sendThroughWorker(bindings: Bindings, to: string, mode: 'queue' | 'no-retry-delay' = 'queue') {
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const app = new Hono<AppEnv>();
  app.post('/send', async (c) => {
    const message = { to, subject: 'Hello', text: 'Hello', html: '<p>Hello</p>', kind: 'invite' };
    if (mode === 'queue') sendEmail(c, message);
    else await deliver(c, message, [0, 0]);
    return c.body(null, 204);
  });
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request('https://sso.test/send', { method: 'POST' }), bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** The audit rows about `target`, re-read until `count` are there (audits are written in waitUntil). */
async function auditRows(target: string, count = 1) {
  for (let i = 0; ; i++) {
    const { results } = await env.DB.prepare("select type, actor, detail from audit_events where target = ? and type like 'email.%' order by id").bind(target).all<{ type: string; actor: string; detail: string }>();
    if (results.length >= count || i > 100) return results.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('transport selection', () => {
  it('prefers the Email Service binding, then SMTP_URL, else says how to configure one', () => {
    expect(describeTransport({ EMAIL: env.TEST_SEND_EMAIL, SMTP_URL: 'smtp://u:p@smtp.example.com:587' }).kind).toBe('email-service');
    expect(describeTransport({ SMTP_URL: 'smtp://u:p@smtp.example.com:587' })).toEqual({ kind: 'smtp', description: 'SMTP submission to smtp.example.com:587, STARTTLS, AUTH as u' });
    expect(describeTransport({})).toEqual({ kind: 'none', description: NO_TRANSPORT });
    expect(describeTransport({ SMTP_URL: 'smtp://u:p@mx.example.com:25' }).kind).toBe('invalid');
  });

  it('builds the transport the description names, and refuses a bad SMTP_URL permanently', () => {
    expect(transportFor({ ...env, EMAIL: env.TEST_SEND_EMAIL }).name).toBe('email-service');
    expect(transportFor({ ...env, SMTP_URL: 'smtps://u:p@smtp.example.com' }).name).toBe('smtp');
    expect(() => transportFor({ ...env, SMTP_URL: 'smtp://u:p@mx.example.com:25' })).toThrow(PermanentEmailError);
    expect(() => transportFor({ ...env, SMTP_URL: '' })).toThrow(NO_TRANSPORT);
  });
});

describe('sendEmail', () => {
  it('delivers through the Email Service binding after the response and audits it without the body', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const to = `${unique('binding')}@example.com`;
    const res = await sendThroughWorker({ ...env, EMAIL: env.TEST_SEND_EMAIL }, to);
    expect(res.status).toBe(204);
    const [row] = await auditRows(to);
    expect(row).toMatchObject({ type: 'email.sent', actor: 'system', detail: { kind: 'invite', transport: 'email-service', attempts: 1 } });
    expect(row!.detail.message_id).toMatch(/^<[0-9a-f]{32}@sso\.test>$/);
    expect(JSON.stringify(row)).not.toContain('Hello');
  });

  it('retries a refused SMTP connection a bounded number of times, then audits email.failed with the reason', async () => {
    const to = `${unique('smtp-down')}@example.com`;
    await sendThroughWorker({ ...env, SMTP_URL: CLOSED_SMTP }, to, 'no-retry-delay');
    const [row] = await auditRows(to);
    expect(row).toMatchObject({ type: 'email.failed', detail: { kind: 'invite', transport: 'smtp', attempts: 3 } });
    expect(row!.detail.error).toMatch(/cannot connect to the SMTP server 127\.0\.0\.1:1/);
  });

  it('queued with the real backoff, still ends in one email.failed event', async () => {
    const to = `${unique('smtp-queued')}@example.com`;
    await sendThroughWorker({ ...env, SMTP_URL: CLOSED_SMTP }, to);
    const rows = await auditRows(to);
    expect(rows.map((r) => [r.type, r.detail.attempts])).toEqual([['email.failed', 3]]);
  }, 30_000);

  it('audits a missing or refused configuration at once, without retrying', async () => {
    const none = `${unique('no-transport')}@example.com`;
    const port25 = `${unique('port25')}@example.com`;
    await sendThroughWorker({ ...env, SMTP_URL: '' }, none);
    await sendThroughWorker({ ...env, SMTP_URL: 'smtp://u:p@mx.example.com:25' }, port25);
    const [missing] = await auditRows(none);
    // attempts 0: nothing was tried, there is nothing to connect to.
    expect(missing).toMatchObject({ type: 'email.failed', detail: { attempts: 0, error: NO_TRANSPORT } });
    const [blocked] = await auditRows(port25);
    expect(blocked!.detail.error).toMatch(/port 25/);
    expect(blocked!.detail.attempts).toBe(0);
  });

  it('never throws into the request, even for an address that is not one', async () => {
    const res = await sendThroughWorker({ ...env, EMAIL: env.TEST_SEND_EMAIL }, 'not-an-address');
    expect(res.status).toBe(204);
    const [row] = await auditRows('not-an-address');
    expect(row).toMatchObject({ type: 'email.failed', detail: { attempts: 0 } });
  });
});

describe('deliverWithRetry', () => {
  it('stops at the first success and counts the attempts', async () => {
    let calls = 0;
    const outcome = await deliverWithRetry(async () => {
      if (++calls < 3) throw new Error(`421 try again (${calls})`);
    }, [0, 0, 0]);
    expect(outcome).toEqual({ ok: true, attempts: 3 });
  });

  it('gives up after one try per delay plus one, with the last error', async () => {
    let calls = 0;
    const outcome = await deliverWithRetry(async () => {
      throw new Error(`down ${++calls}`);
    }, [0, 0]);
    expect(outcome).toEqual({ ok: false, attempts: 3, error: 'down 3' });
  });

  it('does not retry a permanent error', async () => {
    let calls = 0;
    const outcome = await deliverWithRetry(async () => {
      calls++;
      throw new PermanentEmailError('550 no such user');
    }, [0, 0]);
    expect(outcome).toEqual({ ok: false, attempts: 1, error: '550 no such user' });
    expect(calls).toBe(1);
  });
});

describe('test email: admin API and console', () => {
  it('GET /api/admin/email names the transport (none configured in tests)', async () => {
    const res = await admin('GET', '/email');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ transport: 'none', description: NO_TRANSPORT });
  });

  it('POST /api/admin/email/test checks the address (400) and reports a failed delivery (502) with the reason', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const bad = await admin('POST', '/email/test', { to: 'ada@example.com, eve@example.com' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_request' });
    const to = `${unique('api-test')}@example.com`;
    const res = await admin('POST', '/email/test', { to });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: 'email_failed', message: `The test email was not sent: ${NO_TRANSPORT}` });
    const rows = await auditRows(to, 2);
    expect(rows.map((r) => [r.type, r.actor])).toEqual([
      ['email.failed', 'system'],
      ['email.test', 'admin-api'],
    ]);
  });

  it('the console Email page shows the transport, sends a test email on a CSRF-checked POST and shows the failure', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const user = await createUser({ roles: ['admin'] });
    const browser = new Browser();
    expect((await browser.signInThrough('/admin/email', user.email, PASSWORD)).status).toBe(200);
    const page = await (await browser.fetch('/admin/email')).text();
    expect(page).toContain('No email transport is configured');
    expect(page).toContain('Send test email');

    const post = (body: Record<string, string>) =>
      browser.fetch('/admin/email/test', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }, body: new URLSearchParams(body) });
    const to = `${unique('console-test')}@example.com`;
    const forged = await post({ to });
    expect(forged.status).toBe(403);

    const res = await post({ ...hiddenFields(page), to });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/email?notice=test_email_failed');
    const rows = await auditRows(to, 2);
    expect(rows.map((r) => [r.type, r.actor])).toEqual([
      ['email.failed', 'system'],
      ['email.test', user.id],
    ]);
    const after = await (await browser.fetch(res.headers.get('location')!)).text();
    expect(after).toContain('The test email was not sent');
    expect(after).toContain(to);
  });
});

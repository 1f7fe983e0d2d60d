// End to end: `wrangler dev` sends mail over SMTP (cloudflare:sockets, AUTH PLAIN) to a real
// local SMTP server (aiosmtpd, test/e2e/mail-catcher.ts), and the test reads what arrived:
// multipart/alternative with text and HTML parts, Message-ID, Date, RFC 2047 encoded names.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedLocalhost, startMailCatcher, type MailCatcher } from './mail-catcher';
import { arriveAt, launchChromium, newPage, startLocalWorker, stopAll, withDiagnostics, type LocalWorker } from './support';

let mail: MailCatcher;
let worker: LocalWorker;
const PRODUCT = 'Zürich Anmeldung ✓';

beforeAll(async () => {
  mail = await startMailCatcher({ auth: 'relay-user:s3cret p@ss' });
  worker = await startLocalWorker({ vars: { SMTP_URL: mail.smtpUrl, EMAIL_FROM: '' } });
  await worker.api('PUT', '/branding', { product_name: PRODUCT, primary_color: '#1a5d1a' });
});

let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  await mail?.stop();
  await stopAll();
});

const diagnose = <T>(fn: () => Promise<T>) => withDiagnostics(fn, { sources: () => [worker, mail] });

describe('email over SMTP to a real local server', () => {
  it('reports the SMTP transport without the password', () =>
    diagnose(async () => {
      const info = await worker.api<{ transport: string; description: string }>('GET', '/email');
      expect(info.transport).toBe('smtp');
      expect(info.description).toContain(`127.0.0.1:${mail.port}`);
      expect(info.description).toContain('relay-user');
      expect(info.description).not.toContain('s3cret');
    }));

  it('delivers the test email as multipart text and HTML with correct, encoded headers', () =>
    diagnose(async () => {
      const sent = await worker.api<{ sent: boolean; message_id: string }>('POST', '/email/test', { to: 'grace@example.com' });
      expect(sent.sent).toBe(true);
      const message = await mail.waitForMessage('grace@example.com');

      expect(message.mailFrom).toBe('no-reply@localhost');
      expect(message.rcptTos).toEqual(['grace@example.com']);
      expect(message.header('message-id')).toBe(sent.message_id);
      expect(message.header('message-id')).toMatch(/^<[0-9a-f]{32}@localhost>$/);
      expect(Number.isNaN(Date.parse(message.header('date')))).toBe(false);
      expect(message.header('mime-version')).toBe('1.0');
      // The non-ASCII product name and subject travel as RFC 2047 encoded words and decode back.
      expect(message.rawHeader('from')).toMatch(/^=\?UTF-8\?B\?[^?]+\?= <no-reply@localhost>$/);
      expect(message.header('from')).toBe(`${PRODUCT} <no-reply@localhost>`);
      expect(message.rawHeader('subject')).toMatch(/^=\?UTF-8\?B\?/);
      expect(message.subject).toBe(`Test email from ${PRODUCT}`);
      expect(message.header('to')).toBe('<grace@example.com>');
      // Every line of the message is 7-bit ASCII and at most 998 characters (RFC 5322).
      for (const line of message.raw.split('\r\n')) {
        expect(line.length).toBeLessThanOrEqual(998);
        expect(/^[\x00-\x7f]*$/.test(line)).toBe(true);
      }

      expect(message.contentType).toMatch(/^multipart\/alternative; boundary=/);
      expect(message.parts.map((p) => p.headers.get('content-type'))).toEqual(['text/plain; charset=UTF-8', 'text/html; charset=UTF-8']);
      expect(message.text).toContain(`Test email from ${PRODUCT}`);
      expect(message.text).toContain(worker.url);
      expect(message.html).toContain('<!doctype html>');
      expect(message.html).toContain('Zürich Anmeldung ✓');
      expect(message.html).toContain('#1a5d1a');
    }));

  it('audits the delivery without the body', () =>
    diagnose(async () => {
      const { events } = await worker.api<{ events: { type: string; target: string; detail: Record<string, unknown> }[] }>('GET', '/audit?type=email.sent');
      const event = events.find((e) => e.target === 'grace@example.com');
      expect(event?.detail).toMatchObject({ kind: 'test', transport: 'smtp', attempts: 1 });
      expect(JSON.stringify(event)).not.toContain('Test email from');
    }));

  it('answers 502 with the server\'s reason when the relay refuses the credentials', () =>
    diagnose(async () => {
      const bad = mail.smtpUrl.replace(/^smtp:\/\/[^@]+@/, 'smtp://relay-user:wrong@');
      const other = await startLocalWorker({ vars: { SMTP_URL: bad } });
      const res = await fetch(`${other.url}/api/admin/email/test`, {
        method: 'POST',
        headers: { authorization: `Bearer ${other.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ to: 'grace@example.com' }),
      });
      expect(res.status).toBe(502);
      const body = (await res.json()) as { message: string };
      expect(body.message).toMatch(/AUTH PLAIN: the SMTP server answered 535/);
      await other.stop();
    }));

  it('an admin clicks "Send test email" on the console Email page and the message arrives', () =>
    diagnose(async () => {
      const adminUser = { email: 'mail-admin@example.com', password: 'correct horse battery staple' };
      await worker.api('POST', '/users', { ...adminUser, name: 'Mail Admin', roles: ['admin'] });
      browser = await launchChromium();
      const { page, close } = await newPage(browser);
      try {
        await arriveAt(page, (u) => u.pathname === '/login', () => page.goto(`${worker.url}/admin/email`));
        await page.getByLabel('Email', { exact: true }).fill(adminUser.email);
        await page.getByLabel('Password', { exact: true }).fill(adminUser.password);
        await arriveAt(page, (u) => u.pathname === '/admin/email', () => page.getByRole('button', { name: 'Sign in' }).click());
        expect(await page.locator('#email-transport').innerText()).toContain(`SMTP submission to 127.0.0.1:${mail.port}`);
        expect(await page.locator('body').innerText()).not.toContain('s3cret');
        expect(await page.getByLabel('Send to').inputValue(), 'prefilled with the admin\'s own address').toBe(adminUser.email);
        await page.getByLabel('Send to').fill('ops@example.com');
        await arriveAt(page, (u) => u.searchParams.get('notice') === 'test_email_sent', () => page.getByRole('button', { name: 'Send test email' }).click());
        expect(await page.getByRole('status').innerText()).toContain('accepted for delivery');
        expect(await page.locator('#email-events').innerText()).toContain('ops@example.com');
        const message = await mail.waitForMessage('ops@example.com');
        expect(message.subject).toBe(`Test email from ${PRODUCT}`);
      } finally {
        await close();
      }
    }));
});

describe('email over TLS: STARTTLS and smtps://', () => {
  let certificate: ReturnType<typeof selfSignedLocalhost>;
  const extraCa = process.env.NODE_EXTRA_CA_CERTS;

  beforeAll(() => {
    certificate = selfSignedLocalhost();
    // workerd (through wrangler) trusts the CAs in NODE_EXTRA_CA_CERTS; the worker starts after this.
    process.env.NODE_EXTRA_CA_CERTS = certificate.cert;
  });

  afterAll(() => {
    if (extraCa === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = extraCa;
    certificate?.remove();
  });

  for (const implicit of [false, true]) {
    it(`authenticates and delivers ${implicit ? 'over smtps:// (TLS from the first byte)' : 'after STARTTLS, which the server requires'}`, async () => {
      const tlsMail = await startMailCatcher({ auth: 'tls-user:tls-pass', tls: { cert: certificate.cert, key: certificate.key, implicit } });
      const tlsWorker = await startLocalWorker({ vars: { SMTP_URL: tlsMail.smtpUrl } });
      try {
        await withDiagnostics(
          async () => {
            expect(tlsMail.smtpUrl).toMatch(implicit ? /^smtps:\/\// : /^smtp:\/\//);
            const sent = await tlsWorker.api<{ sent: boolean }>('POST', '/email/test', { to: 'tls@example.com' });
            expect(sent.sent).toBe(true);
            const message = await tlsMail.waitForMessage('tls@example.com');
            expect(message.subject).toMatch(/^Test email from /);
            expect(message.text).toContain('If you can read it');
          },
          { sources: () => [tlsWorker, tlsMail] },
        );
      } finally {
        await tlsWorker.stop();
        await tlsMail.stop();
      }
    });
  }

  it('refuses a relay whose certificate the worker does not trust, and says so', async () => {
    const tlsMail = await startMailCatcher({ auth: 'tls-user:tls-pass', tls: { cert: certificate.cert, key: certificate.key, implicit: true } });
    delete process.env.NODE_EXTRA_CA_CERTS;
    const untrusting = await startLocalWorker({ vars: { SMTP_URL: tlsMail.smtpUrl } });
    process.env.NODE_EXTRA_CA_CERTS = certificate.cert;
    try {
      await withDiagnostics(
        async () => {
          const res = await fetch(`${untrusting.url}/api/admin/email/test`, {
            method: 'POST',
            headers: { authorization: `Bearer ${untrusting.adminToken}`, 'content-type': 'application/json' },
            body: JSON.stringify({ to: 'tls@example.com' }),
          });
          expect(res.status).toBe(502);
          expect(((await res.json()) as { message: string }).message).toMatch(/^The test email was not sent: /);
          expect(tlsMail.messages()).toEqual([]);
        },
        { sources: () => [untrusting, tlsMail] },
      );
    } finally {
      await untrusting.stop();
      await tlsMail.stop();
    }
  });
});

// Drives the Worker with an Email Service binding that keeps what it is asked to send, so a test
// can read the message a person would get (the e2e test does the same over real SMTP).
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '../../src/index';
import type { Bindings } from '../../src/env';
import { hiddenFields, ORIGIN } from '../helpers';

export interface SentMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export const outbox: SentMail[] = [];

const EMAIL = {
  async send(message: { to: string | string[]; subject: string; text?: string; html?: string }) {
    outbox.push({ to: String(message.to), subject: message.subject, text: message.text ?? '', html: message.html ?? '' });
    return { messageId: `<${crypto.randomUUID()}@test>` };
  },
} as unknown as SendEmail;

/** Settings a test may add to the Worker's environment (e.g. Turnstile keys). */
export let extraEnv: Partial<Bindings> = {};
export function setExtraEnv(values: Partial<Bindings>) {
  extraEnv = values;
}

/** One request, waiting for what it queued after the response (the mail) before returning. */
export async function send(path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(new URL(path, ORIGIN), { redirect: 'manual', ...init }), { ...env, EMAIL, ...extraEnv } as Bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export function mailsTo(address: string): SentMail[] {
  return outbox.filter((m) => m.to === address);
}

/** The one link with a token in the last message to `address`. */
export function linkIn(mail: SentMail | undefined): string {
  if (!mail) throw new Error('no message was sent');
  const match = /https?:\/\/\S+token=[A-Za-z0-9_-]+/.exec(mail.text);
  if (!match) throw new Error(`no link in: ${mail.text}`);
  const url = new URL(match[0]);
  return `${url.pathname}${url.search}`;
}

/** A cookie jar over send(). */
export class Person {
  readonly cookies = new Map<string, string>();
  constructor(readonly ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}`) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('cf-connecting-ip', this.ip);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await send(path, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, value] = pair!.split('=') as [string, string];
      if (attributes.some((a) => /max-age=0/i.test(a.trim())) || value === '') this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    return res;
  }

  /** GETs the page at `path` and posts its form with `fields` (hidden fields, CSRF included, come from the page). */
  async submit(path: string, action: string, fields: Record<string, string>): Promise<Response> {
    const page = await this.fetch(path);
    const html = await page.text();
    return this.post(action, { ...hiddenFields(html), ...fields });
  }

  async post(action: string, fields: Record<string, string>): Promise<Response> {
    return this.fetch(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams(fields),
    });
  }

  async signIn(email: string, password: string): Promise<Response> {
    return this.submit('/login', '/login', { email, password });
  }
}

export async function adminCall(method: string, path: string, body?: unknown): Promise<Response> {
  return send(`/api/admin${path}`, {
    method,
    headers: { authorization: 'Bearer test-admin-token', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

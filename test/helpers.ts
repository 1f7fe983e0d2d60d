// Drives the Worker the way a browser and an admin script would, inside workerd.
import { exports } from 'cloudflare:workers';

export const ORIGIN = 'https://sso.test';
export const ADMIN_TOKEN = 'test-admin-token';

export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(new URL(path, ORIGIN), { redirect: 'manual', ...init }));
}

export function admin(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(`/api/admin${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

let counter = 0;
export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}`;

export interface CreatedApp {
  client_id: string;
  client_secret: string;
  redirect_urls: string[];
  signing_alg: string;
  response_mode: string;
  sso_url: string;
  logout_url: string;
  jwks_uri: string;
  [key: string]: unknown;
}

export async function createApp(fields: Record<string, unknown> = {}): Promise<CreatedApp> {
  const res = await admin('POST', '/apps', { name: 'Test App', redirect_urls: ['https://app.example.com/callback'], ...fields });
  if (res.status !== 201) throw new Error(`createApp: ${res.status} ${await res.text()}`);
  return res.json();
}

export const PASSWORD = 'correct horse battery';

export async function createUser(fields: Record<string, unknown> = {}): Promise<{ id: string; email: string }> {
  const res = await admin('POST', '/users', { email: `${unique('user')}@example.com`, password: PASSWORD, name: 'Ada Lovelace', ...fields });
  if (res.status !== 201) throw new Error(`createUser: ${res.status} ${await res.text()}`);
  return res.json();
}

/** A cookie jar and manual redirect handling, like a browser. */
export class Browser {
  readonly cookies = new Map<string, string>();

  /** `send` reaches the deployment (another one than the test's default in test/portability/). */
  constructor(private readonly send: (path: string, init?: RequestInit) => Promise<Response> = call) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await this.send(path, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, value] = pair!.split('=') as [string, string];
      const expired = attributes.some((a) => /max-age=0/i.test(a.trim())) || value === '';
      if (expired) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    return res;
  }

  /** Posts the login form found in `html` as a person would fill it in. */
  async submitLogin(html: string, email: string, password: string, extra: Record<string, string> = {}): Promise<Response> {
    const form = new URLSearchParams({ ...hiddenFields(html), email, password, ...extra });
    return this.fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: form,
    });
  }

  /** Follows the SSO URL through the login page until the browser leaves for the app. Returns the last response. */
  async signInThrough(ssoPath: string, email: string, password: string): Promise<Response> {
    let res = await this.fetch(ssoPath);
    if (res.status === 303 && res.headers.get('location')!.startsWith('/login')) {
      const page = await this.fetch(res.headers.get('location')!);
      res = await this.submitLogin(await page.text(), email, password);
      if (res.status !== 303) return res;
      res = await this.fetch(res.headers.get('location')!);
    }
    return res;
  }
}

export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[m[1]!] = decodeHtml(m[2]!);
  return fields;
}

function decodeHtml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The id_token and state a response hands to the app, whatever the response mode. */
export async function delivered(res: Response): Promise<{ target: string; params: Record<string, string> }> {
  if (res.status === 303) {
    const url = new URL(res.headers.get('location')!);
    const params = Object.fromEntries(url.hash ? new URLSearchParams(url.hash.slice(1)) : url.searchParams);
    url.hash = '';
    url.search = '';
    return { target: url.href, params };
  }
  const html = await res.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (res.status !== 200 || !action) throw new Error(`no delivery in ${res.status}: ${html.slice(0, 300)}`);
  return { target: decodeHtml(action), params: hiddenFields(html) };
}

export interface AuditRow {
  id: number;
  at: string;
  type: string;
  actor: string;
  target: string;
  client_ip: string;
  detail: Record<string, unknown>;
}

export interface AuditPage {
  events: AuditRow[];
  total: number;
  limit: number;
  offset: number;
}

/** One page of GET /api/admin/audit. */
export async function auditPage(query: string): Promise<AuditPage> {
  const res = await admin('GET', `/audit?${query}`);
  if (res.status !== 200) throw new Error(`GET /audit?${query}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Audit rows are written after the response (waitUntil): re-read, bounded, until `ready` holds. */
export async function auditPageUntil(query: string, ready: (page: AuditPage) => boolean): Promise<AuditPage> {
  let page = await auditPage(query);
  for (let i = 0; i < 100 && !ready(page); i++) {
    await new Promise((r) => setTimeout(r, 50));
    page = await auditPage(query);
  }
  return page;
}

export async function auditUntil(query: string, ready: (events: AuditRow[]) => boolean): Promise<AuditRow[]> {
  return (await auditPageUntil(query, (page) => ready(page.events))).events;
}

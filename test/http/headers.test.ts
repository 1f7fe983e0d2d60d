// Security headers on every answer, the JWKS as the one cacheable public document, clear 404s,
// and no stack traces in any body.
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { admin, Browser, call, createApp, createUser, delivered, ORIGIN, PASSWORD } from '../helpers';

function expectSecurityHeaders(res: Response) {
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  const csp = res.headers.get('content-security-policy') ?? '';
  const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
  expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
  const scriptSrc = directives.get('script-src') ?? [];
  expect(scriptSrc).toHaveLength(1);
  expect(scriptSrc[0]).toMatch(/^'nonce-[A-Za-z0-9_-]{16,}'$/);
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
  expect(directives.get('default-src')).toEqual(["'none'"]);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  // Every test request is https://sso.test, so HSTS is due on each answer.
  expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=(\d+); includeSubDomains$/);
  expect(Number(/max-age=(\d+)/.exec(res.headers.get('strict-transport-security')!)![1])).toBeGreaterThanOrEqual(15_552_000);
  expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
  expectRestrictivePermissions(res.headers.get('permissions-policy'));
}

function expectRestrictivePermissions(header: string | null) {
  const features = new Map((header ?? '').split(',').map((f) => f.trim().split('=') as [string, string]));
  for (const feature of ['camera', 'microphone', 'geolocation', 'payment', 'usb', 'display-capture', 'browsing-topics']) {
    expect(features.get(feature), feature).toBe('()');
  }
  // Nothing is allowed for other origins; passkeys only for this one.
  for (const [feature, allow] of features) expect(['()', '(self)'], feature).toContain(allow);
  expect(features.get('publickey-credentials-get')).toBe('(self)');
}

function expectNoStackTrace(body: string) {
  expect(body).not.toMatch(/\bat .*\.[jt]sx?:\d+/);
  expect(body).not.toMatch(/\.tsx?:\d+/);
  expect(body).not.toMatch(/node_modules|\/src\//);
  expect(body).not.toMatch(/DOMException|TypeError|ReferenceError|SQLITE|D1_ERROR/);
}

const csrfPost = (fields: Record<string, string>) =>
  call('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }, body: new URLSearchParams(fields) });

describe('security headers', () => {
  const answers: [string, () => Promise<Response>, number, 'html' | 'json'][] = [
    ['the login page', () => call('/login'), 200, 'html'],
    ['the 404 page of an unknown app', () => call('/sso/jwt/x'), 404, 'html'],
    ['the 400 page of a sign-in link without client id', () => call('/sso/jwt'), 400, 'html'],
    ['the 400 page of an expired flow', () => call('/login?flow=expired'), 400, 'html'],
    ['the 403 page of a refused form', () => csrfPost({ email: 'a@example.com', password: 'x' }), 403, 'html'],
    ['the signed-out page', () => call('/sso/logout'), 200, 'html'],
    ['the admin API list', () => admin('GET', '/apps'), 200, 'json'],
    ['an admin API 401', () => call('/api/admin/apps'), 401, 'json'],
    ['an admin API 400', () => admin('POST', '/apps', {}), 400, 'json'],
    ['an admin API 404', () => admin('GET', '/users/nope'), 404, 'json'],
    ['the 404 of an unknown page', () => call('/nope'), 404, 'html'],
    ['the 404 of an unknown API route', () => call('/api/nope'), 404, 'json'],
    ['the health check', () => call('/healthz'), 200, 'json'],
  ];

  it.each(answers)('are set on %s', async (_, request, status, kind) => {
    const res = await request();
    expect(res.status).toBe(status);
    expectSecurityHeaders(res);
    expect(res.headers.get('content-type')).toMatch(kind === 'html' ? /^text\/html/ : /^application\/json/);
    expectNoStackTrace(await res.text());
  });

  it('leave out HSTS over plain http (local dev), and keep the others', async () => {
    const res = await exports.default.fetch(new Request('http://127.0.0.1:8787/login'));
    expect(res.status).toBe(200);
    expect(res.headers.get('strict-transport-security')).toBeNull();
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expectRestrictivePermissions(res.headers.get('permissions-policy'));
  });

  it('use a new nonce for every answer', async () => {
    const nonce = async () => /'nonce-([^']+)'/.exec((await call('/login')).headers.get('content-security-policy')!)![1];
    const a = await nonce();
    const b = await nonce();
    expect(a).not.toBe(b);
  });

  it('are set on the redirect that delivers a token and on the form_post page, whose script carries the nonce', async () => {
    const user = await createUser();
    for (const mode of ['query', 'fragment', 'form_post']) {
      const app = await createApp({ response_mode: mode });
      const res = await new Browser().signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD);
      expectSecurityHeaders(res);
      if (mode === 'form_post') {
        const html = await res.clone().text();
        const nonce = /'nonce-([^']+)'/.exec(res.headers.get('content-security-policy')!)![1];
        expect(html).toContain(`<script nonce="${nonce}">`);
        expect(res.headers.get('content-security-policy')).toMatch(/form-action 'self' https:\/\/app\.example\.com(;|$)/);
      }
      expect((await delivered(res)).params.id_token).toBeTruthy();
    }
  });

  it('are set on the redirect to the login page and on the 303 after a POST', async () => {
    const app = await createApp();
    const user = await createUser();
    const browser = new Browser();
    const first = await browser.fetch(`/sso/jwt/${app.client_id}`);
    expect(first.status).toBe(303);
    expectSecurityHeaders(first);
    const page = await browser.fetch(first.headers.get('location')!);
    const posted = await browser.submitLogin(await page.text(), user.email, PASSWORD);
    expect(posted.status).toBe(303);
    expectSecurityHeaders(posted);
  });

  it('let the login page post its form and load only its own stylesheet', async () => {
    const res = await call('/login');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/form-action 'self'(;|$)/);
    expect(csp).toMatch(/style-src 'self'[^;]*(;|$)/);
    expect(csp).not.toMatch(/style-src[^;]*(https?:|\*|unsafe-inline)/);
    expect(csp).toMatch(/base-uri 'none'(;|$)/);
  });
});

describe('the JWKS', () => {
  it('is public and cacheable, unlike everything else', async () => {
    const res = await call('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    const cacheControl = res.headers.get('cache-control') ?? '';
    expect(cacheControl).toMatch(/\bpublic\b/);
    expect(cacheControl).toMatch(/max-age=\d+/);
    expect(cacheControl).not.toContain('no-store');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ keys: expect.any(Array) });
  });
});

describe('unknown routes', () => {
  it.each(['/nope', '/login/extra', '/sso', '/.well-known/openid-configuration-nope', '/assets/nope.css'])('answer 404 with an HTML page at %s', async (path) => {
    const res = await call(path);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<html');
    expectNoStackTrace(html);
  });

  it.each(['/api/nope', '/api/admin/nope', '/api/admin/apps/x/y/z'])('answer 404 with JSON under /api/: %s', async (path) => {
    // Under /api/admin/ the caller is the admin, with the token.
    const res = path.startsWith('/api/admin/') ? await admin('GET', path.slice('/api/admin'.length)) : await call(path);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ error: 'not_found', message: expect.any(String) });
  });

  it('answer 404 for an unsupported method on a known path', async () => {
    const res = await call('/login', { method: 'DELETE' });
    expect(res.status).toBe(404);
    expectSecurityHeaders(res);
  });
});

describe('server errors', () => {
  it('show a generic page without a stack trace when something breaks inside', async () => {
    // A corrupted stored password hash makes the credential check fail inside the Worker.
    const app = await createApp();
    const user = await createUser();
    await env.DB.prepare('update users set password_hash = ? where id = ?').bind('pbkdf2-sha256$1000$!!*!!$%%', user.id).run();
    const res = await new Browser().signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expectSecurityHeaders(res);
    expectNoStackTrace(await res.text());
  });
});

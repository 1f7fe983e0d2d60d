// Every HTML answer is a full document in standards mode: it starts with <!doctype html>.
// Without it browsers render in quirks mode (issue #8, item 12).
import { describe, expect, it } from 'vitest';
import { Browser, call, createApp, createUser, ORIGIN, PASSWORD } from '../helpers';

function expectStandardsDocument(res: Response, html: string) {
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  expect(html.slice(0, 15).toLowerCase()).toBe('<!doctype html>');
  expect(html).toMatch(/^<!doctype html><html lang="en">/i);
}

async function signedIn(roles: string[] = []) {
  const user = await createUser({ roles });
  const app = await createApp({ response_mode: 'form_post' });
  const browser = new Browser();
  const delivery = await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD);
  return { browser, app, delivery };
}

describe('<!doctype html>', () => {
  const anonymous: [string, string, number][] = [
    ['the login page', '/login', 200],
    ['the expired-flow page', '/login?flow=expired', 400],
    ['the unknown-app page', '/sso/jwt/nope-nope', 404],
    ['the invalid-request page', '/sso/jwt', 400],
    ['the signed-out page', '/sso/logout', 200],
    ['the 404 page', '/nope', 404],
  ];

  it.each(anonymous)('starts %s', async (_, path, status) => {
    const res = await call(path);
    expect(res.status).toBe(status);
    expectStandardsDocument(res, await res.text());
  });

  it('starts the unregistered-redirect page and the 403 of a refused form', async () => {
    const app = await createApp();
    const res = await call(`/sso/jwt/${app.client_id}?redirect_uri=${encodeURIComponent('https://evil.example/cb')}`);
    expect(res.status).toBe(400);
    expectStandardsDocument(res, await res.text());
    const refused = await call('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }, body: 'email=a%40b.c&password=x' });
    expect(refused.status).toBe(403);
    expectStandardsDocument(refused, await refused.text());
  });

  it('starts the form_post delivery page and the signed-in pages', async () => {
    const { browser, delivery } = await signedIn();
    expect(delivery.status).toBe(200);
    expectStandardsDocument(delivery, await delivery.text());
    const home = await browser.fetch('/my-apps');
    expect(home.status).toBe(200);
    expectStandardsDocument(home, await home.text());
  });

  it.each(['/admin/apps', '/admin/apps/new', '/admin/users', '/admin/protection', '/admin/keys', '/admin/branding', '/admin/audit'])('starts the console page %s', async (path) => {
    const { browser } = await signedIn(['admin']);
    const res = await browser.fetch(path);
    expect(res.status).toBe(200);
    expectStandardsDocument(res, await res.text());
  });
});

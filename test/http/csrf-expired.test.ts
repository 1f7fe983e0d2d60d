// A console form sent with an expired CSRF token (#8 item 15d): a clear page that says nothing
// changed, with a link back to the page the form was on, never a bare "That did not work".
import { describe, expect, it } from 'vitest';
import { Browser, call, createUser, ORIGIN, PASSWORD } from '../helpers';

async function consoleAdmin() {
  const boss = await createUser({ roles: ['admin'] });
  const browser = new Browser();
  await browser.submitLogin(await (await browser.fetch('/login')).text(), boss.email, PASSWORD);
  return browser;
}

const stalePost = (browser: Browser, path: string, referer?: string) =>
  browser.fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, ...(referer ? { referer } : {}) },
    body: new URLSearchParams({ csrf: 'expired-token-from-yesterday', name: 'Changed' }),
  });

describe('an expired console form', () => {
  it('explains itself and links back to the page the form was on', async () => {
    const browser = await consoleAdmin();
    const res = await stalePost(browser, '/admin/apps/new', `${ORIGIN}/admin/apps/new?from=list`);
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain('<h1>This form has expired</h1>');
    expect(html).toContain('Nothing was changed.');
    expect(html).toContain('<a href="/admin/apps/new?from=list">Back to the form</a>');
    expect(html).not.toContain('That did not work');
  });

  it.each([
    ['no Referer', undefined],
    ['another site', 'https://evil.example/admin/apps/new'],
    ['a page outside the console', `${ORIGIN}/my-apps`],
    ['a look-alike path', `${ORIGIN}/administrator`],
  ])('links to the console home for %s', async (_label, referer) => {
    const browser = await consoleAdmin();
    const html = await (await stalePost(browser, '/admin/apps/new', referer)).text();
    expect(html).toContain('<a href="/admin">Back to the form</a>');
  });

  it('console pages send their Referer to this origin only; other pages send none', async () => {
    const browser = await consoleAdmin();
    expect((await browser.fetch('/admin/apps')).headers.get('referrer-policy')).toBe('same-origin');
    expect((await call('/login')).headers.get('referrer-policy')).toBe('no-referrer');
  });
});

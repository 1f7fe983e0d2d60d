// The console's app form sets the OIDC client settings, through the admin API's validation.
import { describe, expect, it } from 'vitest';
import { admin, Browser, createUser, hiddenFields, ORIGIN, PASSWORD, unique } from '../helpers';

async function adminBrowser(): Promise<Browser> {
  const user = await createUser({ roles: ['admin'] });
  const browser = new Browser();
  expect((await browser.signInThrough('/admin/apps', user.email, PASSWORD)).status).toBe(200);
  return browser;
}

/** Posts `fields` with the CSRF token of the form at `path` (Add application: of an app of no stated kind, so every field counts). */
async function submit(browser: Browser, path: string, fields: Record<string, string>) {
  const html = await (await browser.fetch(path === '/admin/apps/new' ? '/admin/apps/new?type=oidc_web' : path)).text();
  const body = new URLSearchParams({ csrf: hiddenFields(html).csrf!, ...fields });
  return browser.fetch(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }, body });
}

describe('OIDC settings in the console app form', () => {
  it('creates a public client with a back-channel logout URL, edits it, and refuses a bad URL', async () => {
    const browser = await adminBrowser();
    const clientId = unique('spa');
    const created = await submit(browser, '/admin/apps/new', {
      name: 'SPA',
      redirect_urls: 'https://spa.example.com/cb',
      client_id: clientId,
      signing_alg: 'ES256',
      response_mode: 'query',
      token_endpoint_auth_method: 'none',
      backchannel_logout_uri: 'https://spa.example.com/backchannel',
    });
    expect(created.status).toBe(303);
    expect(await (await admin('GET', `/apps/${clientId}`)).json()).toMatchObject({ token_endpoint_auth_method: 'none', backchannel_logout_uri: 'https://spa.example.com/backchannel' });

    const form = await (await browser.fetch(`/admin/apps/${clientId}/edit`)).text();
    expect(form).toContain('value="https://spa.example.com/backchannel"');
    expect(form).toMatch(/<option value="none" selected/);

    const refused = await submit(browser, `/admin/apps/${clientId}/edit`, { name: 'SPA', redirect_urls: 'https://spa.example.com/cb', signing_alg: 'ES256', response_mode: 'query', backchannel_logout_uri: 'http://spa.example.com/bc', token_endpoint_auth_method: 'none' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('must use https');

    const cleared = await submit(browser, `/admin/apps/${clientId}/edit`, { name: 'SPA', redirect_urls: 'https://spa.example.com/cb', signing_alg: 'ES256', response_mode: 'query', backchannel_logout_uri: '', token_endpoint_auth_method: 'client_secret_post' });
    expect(cleared.status).toBe(303);
    expect(await (await admin('GET', `/apps/${clientId}`)).json()).toMatchObject({ token_endpoint_auth_method: 'client_secret_post', backchannel_logout_uri: null });
  });
});

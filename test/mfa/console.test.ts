// The console's MFA pieces: the app form's multi-factor field and the Sign-in security page.
import { afterEach, describe, expect, it } from 'vitest';
import { admin, auditUntil, createApp, createUser, hiddenFields } from '../helpers';
import { form, signedIn } from './support';

afterEach(async () => {
  await admin('PUT', '/settings/mfa', { policy: 'optional', require_for_console: false });
});

async function consoleBrowser() {
  const user = await createUser({ roles: ['admin'] });
  return { browser: await signedIn(user.email), user };
}

describe('console', () => {
  it("the user page's \"Requires a second factor\" checkbox sets the user's mfa_required", async () => {
    const { browser } = await consoleBrowser();
    const user = await createUser();
    const page = await (await browser.fetch(`/admin/users/${user.id}`)).text();
    expect(page).toMatch(/<input[^>]*name="mfa_required"/);
    const fields = { csrf: hiddenFields(page).csrf!, email: user.email, name: 'Ada Lovelace', given_name: '', family_name: '', username: '', groups: '', mfa_required: 'on' };
    expect((await browser.fetch(`/admin/users/${user.id}`, form(fields))).status).toBe(303);
    expect(((await (await admin('GET', `/users/${user.id}`)).json()) as { mfa_required: boolean }).mfa_required).toBe(true);
    const { mfa_required: _, ...without } = fields;
    expect((await browser.fetch(`/admin/users/${user.id}`, form(without))).status).toBe(303);
    expect(((await (await admin('GET', `/users/${user.id}`)).json()) as { mfa_required: boolean }).mfa_required).toBe(false);
  });

  it("the app form shows and saves the app's multi-factor policy", async () => {
    const app = await createApp();
    const { browser } = await consoleBrowser();
    const page = await (await browser.fetch(`/admin/apps/${app.client_id}/edit`)).text();
    expect(page).toMatch(/<select id="mfa" name="mfa"[^>]*>[\s\S]*?<option value="optional" selected/);
    const res = await browser.fetch(
      `/admin/apps/${app.client_id}/edit`,
      form({ csrf: hiddenFields(page).csrf!, name: 'Payroll', redirect_urls: 'https://app.example.com/callback', signing_alg: 'HS256', response_mode: 'query', token_ttl_seconds: '300', mfa: 'required' }),
    );
    expect(res.status).toBe(303);
    expect(((await (await admin('GET', `/apps/${app.client_id}`)).json()) as { mfa: string }).mfa).toBe('required');
    const bad = await browser.fetch(
      `/admin/apps/${app.client_id}/edit`,
      form({ csrf: hiddenFields(page).csrf!, name: 'Payroll', redirect_urls: 'https://app.example.com/callback', signing_alg: 'HS256', response_mode: 'query', token_ttl_seconds: '300', mfa: 'maybe' }),
    );
    expect(bad.status).toBe(400);
  });

  it('the Sign-in security page saves the global policy, audited, and refuses a post without the CSRF token', async () => {
    const { browser, user } = await consoleBrowser();
    const page = await (await browser.fetch('/admin/security')).text();
    expect(page).toContain('Multi-factor sign-in for all applications');
    const res = await browser.fetch('/admin/security', form({ csrf: hiddenFields(page).csrf!, policy: 'required' }));
    expect(res.headers.get('location')).toBe('/admin/security?notice=saved');
    expect(await (await admin('GET', '/settings/mfa')).json()).toEqual({ policy: 'required', require_for_console: false });
    const audited = await auditUntil(`type=mfa.settings&user=${user.id}`, (events) => events.some((e) => e.actor === user.id && e.detail.policy === 'required'));
    expect(audited.some((e) => e.actor === user.id && e.detail.policy === 'required')).toBe(true);
    // Without the CSRF token nothing changes.
    expect((await browser.fetch('/admin/security', form({ policy: 'off' }))).status).toBe(403);
    expect(((await (await admin('GET', '/settings/mfa')).json()) as { policy: string }).policy).toBe('required');
  });
});

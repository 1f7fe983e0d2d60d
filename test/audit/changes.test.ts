// What an update records (src/audit/changes.ts): each changed field's old and new value under its
// API name, secrets only as "changed", long values cut; and how the log shows it. Also the
// settings pages and the API, whose saves are whole documents: only the keys that changed.
import { describe, expect, it } from 'vitest';
import { changeText, fieldChanges } from '../../src/audit/changes';
import { detailPairs } from '../../src/audit/query';
import { admin, auditUntil, Browser, createUser, hiddenFields, ORIGIN, PASSWORD } from '../helpers';

describe('fieldChanges', () => {
  it('records old → new of the fields that differ, under their API names', () => {
    const before = { name: 'App', tokenTtlSeconds: 300, redirectUrls: ['https://a.example/cb'], access: { groups: ['x'], users: [] } };
    const changes = { name: 'App', tokenTtlSeconds: 600, redirectUrls: ['https://a.example/cb', 'https://b.example/cb'], access: { users: [], groups: ['x'] } };
    expect(fieldChanges(before, changes)).toEqual({
      token_ttl_seconds: { from: 300, to: 600 },
      redirect_urls: { from: ['https://a.example/cb'], to: ['https://a.example/cb', 'https://b.example/cb'] },
    });
  });

  it('never writes a secret, only that it changed', () => {
    const recorded = fieldChanges({ name: 'Ada', passwordHash: 'pbkdf2$old' }, { name: 'Ada L', password: 'hunter2 hunter2' }, ['password', 'passwordHash']);
    expect(recorded).toEqual({ name: { from: 'Ada', to: 'Ada L' }, password: 'changed' });
    expect(JSON.stringify(recorded)).not.toContain('hunter2');
  });

  it('cuts long values so one row stays small', () => {
    const recorded = fieldChanges({ description: '' }, { description: 'x'.repeat(5000) });
    expect(JSON.stringify(recorded).length).toBeLessThan(400);
  });

  it('reads in the log as “field: old → new”', () => {
    expect(detailPairs({ changes: { token_ttl_seconds: { from: 300, to: 600 }, client_secret: 'changed', description: { from: '', to: 'Hi' }, identity_source: { from: null, to: 'okta' } } })).toEqual([
      ['token_ttl_seconds', '300 → 600'],
      ['client_secret', 'changed'],
      ['description', '(empty) → Hi'],
      ['identity_source', '(none) → okta'],
    ]);
    expect(changeText({ from: ['a', 'b'], to: [] })).toBe('a, b → (empty)');
  });
});

describe('settings updates', () => {
  it('audit what changed from what: multi-factor policy, sign-up, branding (API and console)', async () => {
    const before = await (await admin('GET', '/settings/mfa')).json<{ policy: string }>();
    const next = before.policy === 'required' ? 'optional' : 'required';
    expect((await admin('PUT', '/settings/mfa', { policy: next })).status).toBe(200);
    const mfa = await auditUntil('type=mfa.settings', (e) => e.some((x) => (x.detail.changes as Record<string, unknown> | undefined)?.policy !== undefined));
    expect(mfa[0]!.detail.changes).toEqual({ policy: { from: before.policy, to: next } });
    await admin('PUT', '/settings/mfa', { policy: before.policy });

    const user = await createUser({ roles: ['admin'] });
    const browser = new Browser();
    expect((await browser.signInThrough('/admin/branding', user.email, PASSWORD)).status).toBe(200);
    const form = await (await browser.fetch('/admin/branding')).text();
    const res = await browser.fetch('/admin/branding', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams({ ...hiddenFields(form), product_name: 'Changed SSO' }),
    });
    expect(res.status).toBe(303);
    const branding = await auditUntil(`type=branding.update&user=${user.id}`, (e) => e.length > 0);
    expect(branding[0]!.detail.changes).toMatchObject({ product_name: { to: 'Changed SSO' } });
    await admin('PUT', '/branding', { product_name: '' });
  });
});

// One rule for groups (one per line in the console, ";" in CSV) and no-change saves that change
// nothing: no write, no updated_at, no audit event with an empty list of changes.
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changedOnly } from '../../src/lib/changes';
import { splitGroupLines } from '../../src/users/changes';
import { admin, auditPage, auditUntil, Browser, createApp, createUser, ORIGIN, PASSWORD } from '../helpers';

const json = <T = Record<string, unknown>>(res: Response) => res.json<T>();

async function signedInAdmin() {
  const user = await createUser({ roles: ['admin'] });
  const browser = new Browser();
  expect((await browser.signInThrough('/admin/users', user.email, PASSWORD)).status).toBe(200);
  return { browser, user };
}

/** Every form field of a console page, as a browser would submit it unchanged. */
function formFields(html: string, action: string): Record<string, string> {
  const form = html.slice(html.indexOf(`<form method="post" action="${action}"`));
  const body = form.slice(0, form.indexOf('</form>'));
  const fields: Record<string, string> = {};
  const decode = (t: string) => t.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  for (const m of body.matchAll(/<input ([^>]*)>/g)) {
    const attrs = m[1]!;
    const name = /name="([^"]+)"/.exec(attrs)?.[1];
    if (!name) continue;
    if (/type="checkbox"/.test(attrs) && !/checked/.test(attrs)) continue;
    fields[name] = decode(/value="([^"]*)"/.exec(attrs)?.[1] ?? (/type="checkbox"/.test(attrs) ? 'on' : ''));
  }
  for (const m of body.matchAll(/<textarea [^>]*name="([^"]+)"[^>]*>([^<]*)<\/textarea>/g)) fields[m[1]!] = decode(m[2]!);
  for (const m of body.matchAll(/<select [^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    fields[m[1]!] = decode(/<option value="([^"]*)" selected/.exec(m[2]!)?.[1] ?? '');
  }
  return fields;
}

const post = (browser: Browser, path: string, fields: Record<string, string>) =>
  browser.fetch(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }, body: new URLSearchParams(fields) });

describe('groups', () => {
  it('splits the console field on line breaks only', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[A-Za-z0-9 ,;|&.-]{1,20}$/).filter((g) => g.trim() !== ''), { maxLength: 8 }), fc.constantFrom('\n', '\r\n', '\r'), (groups, eol) => {
        expect(splitGroupLines(groups.join(eol))).toEqual(groups.map((g) => g.trim()));
      }),
    );
  });

  it('round-trips groups with commas through the console form unchanged', async () => {
    const target = await createUser({ groups: ['R&D, EMEA', 'staff; night'] });
    const { browser } = await signedInAdmin();
    const html = await (await browser.fetch(`/admin/users/${target.id}`)).text();
    const fields = formFields(html, `/admin/users/${target.id}`);
    expect(fields.groups).toBe('R&D, EMEA\nstaff; night');
    fields.name = 'Renamed';
    expect((await post(browser, `/admin/users/${target.id}`, fields)).status).toBe(303);
    expect(await json(await admin('GET', `/users/${target.id}`))).toMatchObject({ name: 'Renamed', groups: ['R&D, EMEA', 'staff; night'] });
  });
});

describe('a save with no change', () => {
  it('changes nothing on a user from the console: no write and no audit event', async () => {
    const target = await createUser({ groups: ['a, b', 'c'] });
    const { browser, user } = await signedInAdmin();
    await env.DB.prepare('update users set updated_at = 1000 where id = ?').bind(target.id).run();
    const html = await (await browser.fetch(`/admin/users/${target.id}`)).text();
    const res = await post(browser, `/admin/users/${target.id}`, formFields(html, `/admin/users/${target.id}`));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/users/${target.id}?notice=no_changes`);
    expect(await (await browser.fetch(res.headers.get('location')!)).text()).toContain('Nothing changed');
    const row = await env.DB.prepare('select groups, updated_at from users where id = ?').bind(target.id).first();
    expect(row).toEqual({ groups: '["a, b","c"]', updated_at: 1000 });

    // A real change afterwards is audited with only the field that changed.
    const changed = { ...formFields(html, `/admin/users/${target.id}`), name: 'Changed' };
    expect((await post(browser, `/admin/users/${target.id}`, changed)).status).toBe(303);
    const events = await auditUntil(`type=user.update&user=${target.id}`, (e) => e.length > 0);
    expect(events.map((e) => e.detail)).toEqual([{ changes: { name: { from: 'Ada Lovelace', to: 'Changed' } } }]);
    expect(events[0]!.actor).toBe(user.id);
  });

  it('changes nothing on an app from the console', async () => {
    const app = await createApp({ attribute_map: { team: 'groups' }, branding: { product_name: 'Acme' } });
    const { browser } = await signedInAdmin();
    await env.DB.prepare('update apps set updated_at = 1000 where client_id = ?').bind(app.client_id).run();
    const path = `/admin/apps/${app.client_id}/edit`;
    const res = await post(browser, path, formFields(await (await browser.fetch(path)).text(), path));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/apps/${app.client_id}?notice=no_changes`);
    expect(await env.DB.prepare('select updated_at from apps where client_id = ?').bind(app.client_id).first()).toEqual({ updated_at: 1000 });
  });

  it('changes nothing through the API either, and audits only the fields that changed', async () => {
    const target = await createUser({ name: 'Same', groups: ['x'] });
    const same = await admin('PATCH', `/users/${target.id}`, { name: 'Same', groups: ['x'] });
    expect(same.status).toBe(200);
    const app = await createApp();
    expect((await admin('PATCH', `/apps/${app.client_id}`, { name: 'Test App' })).status).toBe(200);
    expect((await admin('PATCH', `/users/${target.id}`, { name: 'Same', groups: ['x', 'y'] })).status).toBe(200);
    const events = await auditUntil(`type=user.update&user=${target.id}`, (e) => e.length > 0);
    expect(events.map((e) => e.detail)).toEqual([{ changes: { groups: { from: ['x'], to: ['x', 'y'] } } }]);
    expect((await auditPage(`type=app.update&user=${app.client_id}`)).events.filter((e) => e.target === app.client_id)).toEqual([]);
  });
});

describe('changedOnly', () => {
  it('keeps exactly the entries whose value differs, whatever the key order of objects', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.jsonValue()), fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.jsonValue()), (current, changes) => {
        const result = changedOnly<Record<string, unknown>>(current, changes);
        for (const key of Object.keys(result)) expect(JSON.stringify(result[key])).toBe(JSON.stringify(changes[key]));
        expect(changedOnly<Record<string, unknown>>(current, structuredClone(current))).toEqual({});
      }),
    );
    expect(changedOnly<{ m: Record<string, string> }>({ m: { a: '1', b: '2' } }, { m: { b: '2', a: '1' } })).toEqual({});
    expect(changedOnly<{ p: string }>({}, { p: 'x' }, ['p'])).toEqual({ p: 'x' });
  });
});

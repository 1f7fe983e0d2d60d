// The Users pages show when each user last signed in and their live sessions; an admin can end
// one session (CSRF-checked POST) and must confirm before disabling a user.
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/encoding';
import { SESSION_COOKIE } from '../../src/http/cookies';
import { auditUntil, Browser, createApp, createUser, delivered, hiddenFields, ORIGIN, PASSWORD } from '../helpers';

async function signedInAdmin() {
  const user = await createUser({ roles: ['admin'] });
  const browser = new Browser();
  expect((await browser.signInThrough('/admin/users', user.email, PASSWORD)).status).toBe(200);
  return { browser, user };
}

async function page(browser: Browser, path: string, status = 200) {
  const res = await browser.fetch(path);
  const html = await res.text();
  expect(res.status, html.slice(0, 300)).toBe(status);
  return html;
}

const post = (browser: Browser, path: string, fields: Record<string, string>) =>
  browser.fetch(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }, body: new URLSearchParams(fields) });

/** Signs `email` in through an app in a fresh browser: one live session. */
async function signIn(email: string, clientId: string) {
  const browser = new Browser();
  const { params } = await delivered(await browser.signInThrough(`/sso/jwt/${clientId}`, email, PASSWORD));
  expect(params.id_token).toBeTruthy();
  return browser;
}

async function stillSignedIn(browser: Browser, clientId: string) {
  const res = await browser.fetch(`/sso/jwt/${clientId}`);
  return !(res.status === 303 && res.headers.get('location')!.startsWith('/login'));
}

describe('sign-in activity on the Users pages', () => {
  it('lists last sign-in and active sessions per user, and “Never” for a user who never signed in', async () => {
    const app = await createApp();
    const active = await createUser({ name: 'Active One' });
    const idle = await createUser({ name: 'Idle One' });
    await signIn(active.email, app.client_id);
    await signIn(active.email, app.client_id);
    const { browser } = await signedInAdmin();
    const rowOf = (html: string, email: string) => html.split('<tr>').slice(2).find((r) => r.includes(email))!;
    const activeRow = rowOf(await page(browser, `/admin/users?q=${encodeURIComponent(active.email)}`), active.email);
    expect(activeRow).toMatch(/<td class="optional nowrap">\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC<\/td><td class="optional">2<\/td>/);
    const idleRow = rowOf(await page(browser, `/admin/users?q=${encodeURIComponent(idle.email)}`), idle.email);
    expect(idleRow).toContain('<td class="optional nowrap"><span class="muted">Never</span></td><td class="optional">0</td>');
  });

  it('ends one session and leaves the others signed in', async () => {
    const app = await createApp();
    const target = await createUser();
    const first = await signIn(target.email, app.client_id);
    const second = await signIn(target.email, app.client_id);
    const { browser, user } = await signedInAdmin();
    const html = await page(browser, `/admin/users/${target.id}`);
    expect(html).toContain('2 active sessions.');
    const hashes = [...html.matchAll(/<tr data-session="([0-9a-f]{64})">/g)].map((m) => m[1]!);
    expect(hashes).toHaveLength(2);
    // The row of the second browser's session: its id is the SHA-256 of that browser's cookie.
    const cookie = [...second.cookies].find(([name]) => name.endsWith(SESSION_COOKIE))![1];
    const secondHash = await sha256Hex(cookie);
    expect(hashes).toContain(secondHash);
    const res = await post(browser, `/admin/users/${target.id}/sessions/${secondHash}/end`, { csrf: hiddenFields(html).csrf! });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/users/${target.id}?notice=session_ended`);
    expect(await stillSignedIn(second, app.client_id)).toBe(false);
    expect(await stillSignedIn(first, app.client_id)).toBe(true);
    const after = await page(browser, res.headers.get('location')!);
    expect(after).toContain('1 active session.');
    expect(after).toContain('The session was ended.');
    const events = await auditUntil(`type=user.sessions.revoke&user=${target.id}`, (e) => e.length > 0);
    expect(events[0]).toMatchObject({ actor: user.id, target: target.id, detail: { ended: 1 } });

    // Ending it again, another user's session, or a malformed id: 404, and nothing else changes.
    const other = await createUser();
    await signIn(other.email, app.client_id);
    const otherHash = /<tr data-session="([0-9a-f]{64})">/.exec(await page(browser, `/admin/users/${other.id}`))![1]!;
    for (const hash of [secondHash, otherHash, 'not-a-hash']) {
      expect((await post(browser, `/admin/users/${target.id}/sessions/${hash}/end`, { csrf: hiddenFields(html).csrf! })).status).toBe(404);
    }
    expect(await page(browser, `/admin/users/${other.id}`)).toContain('1 active session.');
    expect(await stillSignedIn(first, app.client_id)).toBe(true);
  });

  it('refuses to end a session without the CSRF token', async () => {
    const app = await createApp();
    const target = await createUser();
    const session = await signIn(target.email, app.client_id);
    const { browser } = await signedInAdmin();
    const hash = /<tr data-session="([0-9a-f]{64})">/.exec(await page(browser, `/admin/users/${target.id}`))![1]!;
    expect((await post(browser, `/admin/users/${target.id}/sessions/${hash}/end`, {})).status).toBe(403);
    expect(await stillSignedIn(session, app.client_id)).toBe(true);
  });
});

describe('disabling a user', () => {
  it('asks for confirmation first: the page offers a link to a confirmation, and only its POST disables', async () => {
    const target = await createUser();
    const { browser } = await signedInAdmin();
    const html = await page(browser, `/admin/users/${target.id}`);
    expect(html).toContain(`<a class="button secondary inline" href="/admin/users/${target.id}/disable">Disable user</a>`);
    expect(html).not.toContain(`action="/admin/users/${target.id}/disable"`);
    const confirm = await page(browser, `/admin/users/${target.id}/disable`);
    expect(confirm).toContain(`Disable ${target.email}?`);
    expect(confirm).toContain(`<form method="post" action="/admin/users/${target.id}/disable">`);
    // Looking at the confirmation changed nothing.
    expect(await page(browser, `/admin/users/${target.id}`)).toContain('<span class="badge ok">Active</span>');
    const res = await post(browser, `/admin/users/${target.id}/disable`, { csrf: hiddenFields(confirm).csrf! });
    expect(res.status).toBe(303);
    expect(await page(browser, res.headers.get('location')!)).toContain('<span class="badge off">Disabled</span>');
  });
});

// Races between a sign-in and an admin's change, and ending many sessions: no session survives
// a disable, a password change or a delete, and the D1 index never forgets a live KV session.
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { indexSession } from '../../src/sessions/sessions';
import { admin, Browser, createApp, createUser, PASSWORD } from '../helpers';

afterEach(() => vi.restoreAllMocks());

const now = () => Math.floor(Date.now() / 1000);

/** What a sign-in checked now would bind its session to. */
async function credentialOf(userId: string): Promise<{ passwordHash: string; sessionVersion: number }> {
  const row = await env.DB.prepare('select password_hash, session_version from users where id = ?').bind(userId).first<{ password_hash: string; session_version: number }>();
  return { passwordHash: row!.password_hash, sessionVersion: row!.session_version };
}

async function indexRows(userId: string): Promise<number> {
  return (await env.DB.prepare('select count(*) as n from user_sessions where user_id = ?').bind(userId).first<{ n: number }>())!.n;
}

describe('indexing a new session re-checks the account in the same statement', () => {
  const entry = (userId: string, idHash: string) => ({ idHash, userId, createdAt: now(), expiresAt: now() + 3600 });

  it('indexes it while the account is unchanged', async () => {
    const user = await createUser();
    expect(await indexSession(env, entry(user.id, `${user.id}-ok`), await credentialOf(user.id))).toBe(true);
    expect(await indexRows(user.id)).toBe(1);
  });

  it('refuses after a password change, a disable, a delete (without a foreign-key error) or signing out everywhere', async () => {
    const changed = await createUser();
    const oldHash = await credentialOf(changed.id);
    await admin('PATCH', `/users/${changed.id}`, { password: 'a brand new password' });
    expect(await indexSession(env, entry(changed.id, `${changed.id}-x`), oldHash)).toBe(false);

    const disabled = await createUser();
    const hash = await credentialOf(disabled.id);
    await admin('PATCH', `/users/${disabled.id}`, { disabled: true });
    expect(await indexSession(env, entry(disabled.id, `${disabled.id}-x`), hash)).toBe(false);

    const deleted = await createUser();
    const deletedHash = await credentialOf(deleted.id);
    await admin('DELETE', `/users/${deleted.id}`);
    expect(await indexSession(env, entry(deleted.id, `${deleted.id}-x`), deletedHash)).toBe(false);

    const signedOut = await createUser();
    const before = await credentialOf(signedOut.id);
    await admin('DELETE', `/users/${signedOut.id}/sessions`);
    expect(await indexSession(env, entry(signedOut.id, `${signedOut.id}-x`), before)).toBe(false);
    for (const u of [changed, disabled, deleted, signedOut]) expect(await indexRows(u.id)).toBe(0);
  });
});

describe('a sign-in racing with an admin’s change keeps no session', () => {
  // The admin's change lands after the password was checked and the session written to KV, before
  // it is indexed: the admin finds nothing in the index to end, so the sign-in must see the change.
  it.each([
    ['disabled', (id: string) => admin('PATCH', `/users/${id}`, { disabled: true })],
    ['given a new password', (id: string) => admin('PATCH', `/users/${id}`, { password: 'changed meanwhile' })],
    ['deleted', (id: string) => admin('DELETE', `/users/${id}`)],
    // A delete ends the sessions, then deletes the user: the sign-in may land between the two.
    ['signed out everywhere (or half-way through a delete)', (id: string) => admin('DELETE', `/users/${id}/sessions`)],
  ])('when the account is %s meanwhile', async (_name, change) => {
    const app = await createApp();
    const user = await createUser();
    const browser = new Browser();
    const login = await browser.fetch(`/sso/jwt/${app.client_id}`);
    const page = await (await browser.fetch(login.headers.get('location')!)).text();

    const put = env.KV.put.bind(env.KV);
    let changed = false;
    vi.spyOn(env.KV, 'put').mockImplementation((async (key: string, ...rest: unknown[]) => {
      await (put as (...a: unknown[]) => Promise<void>)(key, ...rest);
      if (key.startsWith('session:') && !changed) {
        changed = true;
        expect((await change(user.id)).status).toBeLessThan(300);
      }
    }) as never);
    const res = await browser.submitLogin(page, user.email, PASSWORD);
    vi.restoreAllMocks();

    expect(changed).toBe(true);
    expect(res.status).toBe(401);
    expect(browser.cookies.has('__Host-edge-sso-session')).toBe(false);
    const { keys } = await env.KV.list({ prefix: 'session:' });
    for (const key of keys) expect((await env.KV.get<{ userId: string }>(key.name, 'json'))?.userId).not.toBe(user.id);
    expect(await indexRows(user.id)).toBe(0);
  });
});

describe('ending a user’s sessions', () => {
  it('ends every one of 130 sessions, KV entries and index rows alike', { timeout: 30_000 }, async () => {
    const user = await createUser();
    const t = now();
    const hashes = Array.from({ length: 130 }, (_, i) => `${user.id.replace(/-/g, '')}${String(i).padStart(4, '0')}`);
    for (const idHash of hashes) {
      await env.KV.put(`session:${idHash}`, JSON.stringify({ userId: user.id, authTime: t, amr: ['pwd'], expiresAt: t + 3600, profile: {}, roles: [] }), { expirationTtl: 3600 });
    }
    for (let i = 0; i < hashes.length; i += 40) {
      await env.DB.batch(
        hashes.slice(i, i + 40).map((idHash) => env.DB.prepare('insert into user_sessions (id_hash, user_id, created_at, expires_at) values (?, ?, ?, ?)').bind(idHash, user.id, t, t + 3600)),
      );
    }
    const res = await admin('DELETE', `/users/${user.id}/sessions`);
    expect(await res.json()).toMatchObject({ sessions_ended: 130 });
    const left = await Promise.all(hashes.map((h) => env.KV.get(`session:${h}`)));
    expect(left.filter((v) => v !== null)).toHaveLength(0);
    expect(await indexRows(user.id)).toBe(0);
  });
});

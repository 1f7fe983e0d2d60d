// Ending all of a user's sessions must reach every one, however they were started.
import { describe, expect, it } from 'vitest';
import { MAX_SESSIONS_PER_USER } from '../../src/sessions/sessions';
import { admin, Browser, createApp, createUser, PASSWORD } from '../helpers';

async function signedIn(browser: Browser, clientId: string): Promise<boolean> {
  const res = await browser.fetch(`/sso/jwt/${clientId}`);
  return res.status === 303 && !res.headers.get('location')!.startsWith('/login');
}

describe('signing a user out everywhere', () => {
  it('ends sessions that were started at the same moment', async () => {
    const app = await createApp();
    const user = await createUser();
    const browsers = Array.from({ length: 8 }, () => new Browser());
    await Promise.all(browsers.map((b) => b.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD)));
    expect(await Promise.all(browsers.map((b) => signedIn(b, app.client_id)))).toEqual(Array(8).fill(true));

    const res = await admin('DELETE', `/users/${user.id}/sessions`);
    expect(await res.json()).toMatchObject({ sessions_ended: 8 });
    expect(await Promise.all(browsers.map((b) => signedIn(b, app.client_id)))).toEqual(Array(8).fill(false));
  });

  it('a password change ends concurrent sessions too', async () => {
    const app = await createApp();
    const user = await createUser();
    const browsers = Array.from({ length: 5 }, () => new Browser());
    await Promise.all(browsers.map((b) => b.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD)));
    expect((await admin('PATCH', `/users/${user.id}`, { password: 'a brand new password' })).status).toBe(200);
    expect(await Promise.all(browsers.map((b) => signedIn(b, app.client_id)))).toEqual(Array(5).fill(false));
  });

  it('does not count sessions already ended by signing out or signing in again', async () => {
    const app = await createApp();
    const user = await createUser();
    const browser = new Browser();
    for (let i = 0; i < 3; i++) {
      await browser.signInThrough(`/sso/jwt/${app.client_id}?prompt=login`, user.email, PASSWORD);
    }
    const other = new Browser();
    await other.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD);
    await other.fetch('/sso/logout');
    const res = await admin('DELETE', `/users/${user.id}/sessions`);
    expect(await res.json()).toMatchObject({ sessions_ended: 1 });
  });

  it(`keeps at most ${MAX_SESSIONS_PER_USER} sessions per user, ending the oldest`, { timeout: 60_000 }, async () => {
    const app = await createApp();
    const user = await createUser();
    const first = new Browser();
    await first.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD);
    for (let i = 0; i < MAX_SESSIONS_PER_USER; i++) {
      await new Browser().signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD);
    }
    expect(await signedIn(first, app.client_id)).toBe(false);
    const res = await admin('DELETE', `/users/${user.id}/sessions`);
    expect(await res.json()).toMatchObject({ sessions_ended: MAX_SESSIONS_PER_USER });
  });
});

// Forgot password: the same answer for every address, limits, the 30-minute single-use link, and
// what a new password ends.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/db/client';
import { eq } from 'drizzle-orm';
import { identitySources, oauthGrants, userIdentities } from '../../src/db/schema';
import { createUser as createStoredUser } from '../../src/users/store';
import { createApp, createUser, PASSWORD, unique } from '../helpers';
import { adminCall, linkIn, mailsTo, Person } from './support';

const NEW_PASSWORD = 'a brand new passphrase';

/** What the page says, with the one thing that differs by design (the address echoed back) taken out. */
const shape = async (res: Response, email: string) => ({
  status: res.status,
  body: (await res.text()).replaceAll(email, 'EMAIL').replace(/value="[A-Za-z0-9_-]{43}"/g, 'value="CSRF"').replace(/nonce-[^;']+|nonce="[^"]+"/g, 'NONCE'),
  headers: [...res.headers].filter(([k]) => !['content-security-policy', 'set-cookie', 'content-length'].includes(k)).sort(),
});

async function askForReset(person: Person, email: string) {
  return person.submit('/password/forgot', '/password/forgot', { email });
}

describe('forgot password', () => {
  it('is linked from the login page', async () => {
    const html = await (await new Person().fetch('/login')).text();
    expect(html).toContain('href="/password/forgot"');
  });

  it('answers the same for an existing and an unknown address (status, body, headers); only the account gets mail', async () => {
    const known = await createUser();
    const unknown = `${unique('nobody')}@example.com`;
    const person = new Person();
    const a = await shape(await askForReset(person, known.email), known.email);
    const b = await shape(await askForReset(person, unknown), unknown);
    expect(a.status).toBe(200);
    expect(b).toEqual(a);
    expect(mailsTo(known.email)).toHaveLength(1);
    expect(mailsTo(unknown)).toHaveLength(0);
    expect(mailsTo(known.email)[0]!.subject).toMatch(/Reset your .* password/);
  });

  it('resets with a 30-minute single-use link; the new password ends sessions and refuses the old one', async () => {
    const user = await createUser();
    const other = new Person();
    expect((await other.signIn(user.email, PASSWORD)).status).toBe(303);
    expect((await other.fetch('/my-apps')).status).toBe(200);

    const person = new Person();
    await askForReset(person, user.email);
    const link = linkIn(mailsTo(user.email).at(-1));
    expect(link).toMatch(/^\/password\/reset\?token=/);
    const rows = await env.DB.prepare("select created_at, expires_at from one_time_links where purpose = 'reset' and email = ?").bind(user.email).all<{ created_at: number; expires_at: number }>();
    expect(rows.results[0]!.expires_at - rows.results[0]!.created_at).toBe(1800);

    // A common password is refused, and the link still works afterwards.
    const weak = await person.submit(link, '/password/reset', { password: 'password1' });
    expect(weak.status).toBe(400);
    expect(await weak.text()).toContain('most common');

    // 303 to a result page: a reload there does not post the used link again.
    const done = await person.submit(link, '/password/reset', { password: NEW_PASSWORD });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/password/reset/done');
    const result = await person.fetch(done.headers.get('location')!);
    expect(result.status).toBe(200);
    expect(await result.text()).toContain('Your password is changed');

    expect((await other.fetch('/my-apps')).status).toBe(303); // the earlier session is over
    expect((await new Person().signIn(user.email, PASSWORD)).status).toBe(401);
    expect((await new Person().signIn(user.email, NEW_PASSWORD)).status).toBe(303);

    const reopened = await person.fetch(link);
    expect(reopened.status).toBe(410);
    expect(await reopened.text()).toContain('href="/password/forgot"');
    const token = new URL(link, 'https://x').searchParams.get('token')!;
    const again = await person.submit('/password/forgot', '/password/reset', { token, password: 'yet another passphrase' });
    expect(again.status).toBe(410);
    expect((await new Person().signIn(user.email, 'yet another passphrase')).status).toBe(401);
  });

  it('a new password revokes the user\'s OIDC grants (refresh and access tokens)', async () => {
    const user = await createUser();
    const app = await createApp();
    const now = Math.floor(Date.now() / 1000);
    const db = database(env.DB);
    await db.insert(oauthGrants).values({ id: `grant-${user.id}`, clientId: app.client_id, userId: user.id, scope: 'openid offline_access', createdAt: now, expiresAt: now + 86400 });
    const person = new Person();
    await askForReset(person, user.email);
    expect((await person.submit(linkIn(mailsTo(user.email).at(-1)), '/password/reset', { password: NEW_PASSWORD })).status).toBe(303);
    const [grant] = await db.select().from(oauthGrants).where(eq(oauthGrants.id, `grant-${user.id}`));
    expect(grant?.revokedAt).not.toBeNull();
  });

  it('shows 400 with a way to ask again for a malformed or unknown link', async () => {
    for (const path of ['/password/reset', '/password/reset?token=nope', `/password/reset?token=${'A'.repeat(43)}`]) {
      const res = await new Person().fetch(path);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('Send me a new link');
    }
  });

  it('a new reset link replaces the previous one', async () => {
    const user = await createUser();
    const person = new Person();
    await askForReset(person, user.email);
    const first = linkIn(mailsTo(user.email).at(-1));
    await askForReset(person, user.email);
    const second = linkIn(mailsTo(user.email).at(-1));
    expect(second).not.toBe(first);
    expect((await person.fetch(first)).status).toBe(410);
    expect((await person.fetch(second)).status).toBe(200);
  });

  it('limits requests per email (silently: same page) and per client address (429)', async () => {
    const user = await createUser();
    const person = new Person();
    for (let i = 0; i < 5; i++) expect((await askForReset(person, user.email)).status).toBe(200);
    expect(mailsTo(user.email)).toHaveLength(3);

    const sprayer = new Person(`2001:db8:5a:${(Date.now() % 65536).toString(16)}::1`); // its own /64: no other test's requests count against it
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await askForReset(sprayer, `${unique('spray')}@example.com`)).status);
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(statuses[20]).toBe(429);
  });

  it('tells a federated user without a password to change it at their source', async () => {
    const db = database(env.DB);
    const user = await createStoredUser(db, { email: `${unique('fed')}@example.com` });
    const slug = unique('src').toLowerCase();
    const now = Math.floor(Date.now() / 1000);
    await db.insert(identitySources).values({
      slug, type: 'oidc', name: 'Contoso Entra', clientId: 'x', scopes: ['openid'], groupMap: { claim: 'groups', prefix: '', rename: {} }, secretsEncrypted: 'x', createdAt: now, updatedAt: now,
    });
    await db.insert(userIdentities).values({ source: slug, subject: 'abc', userId: user.id, email: user.email, createdAt: now, lastSignInAt: now });
    await askForReset(new Person(), user.email);
    const mail = mailsTo(user.email).at(-1)!;
    expect(mail.text).toContain('Contoso Entra');
    expect(mail.text).not.toMatch(/token=/);
  });

  it('sends nothing to a disabled account', async () => {
    const user = await createUser();
    await adminCall('PATCH', `/users/${user.id}`, { disabled: true });
    expect((await askForReset(new Person(), user.email)).status).toBe(200);
    expect(mailsTo(user.email)).toHaveLength(0);
  });
});

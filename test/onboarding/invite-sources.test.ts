// Accepting an invitation with an identity source: the invite page offers the enabled sources;
// choosing one remembers the invitation in a sealed cookie and starts that source's sign-in; the
// callback's claim uses the invitation once and links the upstream account to the invited user.
import { env } from 'cloudflare:test';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/db/client';
import { userIdentities, users } from '../../src/db/schema';
import { sha256Hex } from '../../src/lib/encoding';
import { linkInvitation, type InviteClaim } from '../../src/onboarding/invite-sources';
import { unique } from '../helpers';
import { adminCall, linkIn, mailsTo, Person } from './support';

async function source(): Promise<string> {
  const slug = unique('gh').toLowerCase().replace(/[^a-z0-9-]/g, '');
  const res = await adminCall('POST', '/identity-sources', { type: 'github', slug, name: 'GitHub', client_id: 'gh-client', client_secret: 'gh-secret' });
  if (res.status !== 201) throw new Error(`source: ${res.status} ${await res.text()}`);
  return slug;
}

async function invite() {
  const email = `${unique('fed-invite')}@example.com`;
  const res = await adminCall('POST', '/users/invite', { email });
  const { user } = (await res.json()) as { user: { id: string } };
  const link = linkIn(mailsTo(email).at(-1));
  return { email, userId: user.id, link, token: new URL(link, 'https://x').searchParams.get('token')! };
}

const claimFor = async (token: string, userId: string, slug: string): Promise<InviteClaim> => ({ hash: await sha256Hex(token), userId, slug, exp: Math.floor(Date.now() / 1000) + 600 });

describe('accepting an invitation with an identity source', () => {
  it('offers the enabled sources and starts the chosen one with the invitation sealed in a cookie', async () => {
    const slug = await source();
    const { link } = await invite();
    const person = new Person();
    const page = await (await person.fetch(link)).text();
    expect(page).toContain('Continue with GitHub');
    const res = await person.submit(link, '/invite/source', { source: slug });
    // A page that moves on by itself (a 303 would put the upstream under this form's CSP form-action).
    expect(res.status).toBe(200);
    expect(await res.clone().text()).toContain(`content="0;url=/federation/${slug}/start"`);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('__Host-edge-sso-invite='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).not.toContain(new URL(link, 'https://x').searchParams.get('token')!);

    const unknown = await person.submit(link, '/invite/source', { source: 'no-such-source' });
    expect(unknown.status).toBe(400);
  });

  it('links the upstream account to the invited user once, and uses the invitation', async () => {
    const slug = await source();
    const { token, userId, link } = await invite();
    const db = database(env.DB);
    const claim = await claimFor(token, userId, slug);
    expect(await linkInvitation(db, { ...claim, slug: 'other' }, slug, 'gh-1', 'x@example.com')).toBe(false);
    expect(await linkInvitation(db, claim, slug, `gh-${userId}`, 'x@example.com')).toBe(true);
    expect(await linkInvitation(db, claim, slug, `gh-${userId}-again`, 'x@example.com')).toBe(false);
    const [row] = await db.select().from(userIdentities).where(and(eq(userIdentities.source, slug), eq(userIdentities.subject, `gh-${userId}`)));
    expect(row?.userId).toBe(userId);
    const [user] = await db.select().from(users).where(eq(users.id, userId));
    expect(user?.emailVerified).toBe(true);
    expect((await new Person().fetch(link)).status).toBe(410);
  });

  it('an upstream account linked to someone else leaves the invitation usable', async () => {
    const slug = await source();
    const first = await invite();
    const second = await invite();
    const db = database(env.DB);
    expect(await linkInvitation(db, await claimFor(first.token, first.userId, slug), slug, 'shared-subject', 'a@example.com')).toBe(true);
    expect(await linkInvitation(db, await claimFor(second.token, second.userId, slug), slug, 'shared-subject', 'b@example.com')).toBe(false);
    expect((await new Person().fetch(second.link)).status).toBe(200);
  });
});

// An upstream account cannot pre-claim a local address: an account created from an unverified
// upstream email keeps that upstream link only until the address's owner proves the address
// (accepts an invitation, resets the password); then the link ends, audited, and the upstream
// account no longer reaches the owner's account.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/db/client';
import { resolveAccount } from '../../src/federation/accounts';
import { parseNewSource } from '../../src/federation/input';
import { mapProfile } from '../../src/federation/mapping';
import { createSource } from '../../src/federation/store';
import type { IdentitySource, UpstreamProfile } from '../../src/federation/types';
import { auditUntil, unique } from '../helpers';
import { adminCall, linkIn, mailsTo, Person } from '../onboarding/support';
import { keyring } from '../../src/lib/secret-box';

const CHOSEN = 'the owner chose this passphrase';

async function creatingSource(): Promise<IdentitySource> {
  const slug = unique('up').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40);
  const input = parseNewSource({ type: 'github', slug, name: 'Upstream', client_id: 'c', client_secret: 'upstream-secret-value', provisioning: 'create' });
  return (await createSource(database(env.DB), keyring(env), input)).source;
}

/** The account step of an upstream sign-in, as the federation callback runs it. */
function upstreamSignIn(source: IdentitySource, subject: string, email: string, verified: boolean) {
  const upstream: UpstreamProfile = { subject, email, email_verified: verified, groups: [], raw: { sub: subject, email } };
  return resolveAccount(env, source, upstream, mapProfile(upstream, source.claim_map, source.group_map));
}

const linksOf = async (userId: string) =>
  (await env.DB.prepare('select source, subject, proven from user_identities where user_id = ?').bind(userId).all<{ source: string; subject: string; proven: number }>()).results;

describe('an upstream account with an unverified email', () => {
  it("loses its claim when the owner accepts an invitation: its next sign-in does not reach the owner's account", async () => {
    const source = await creatingSource();
    const owner = `${unique('owner')}@example.com`;
    const attacker = `attacker-${unique('sub')}`;
    const planted = await upstreamSignIn(source, attacker, owner, false);
    expect(planted).toMatchObject({ ok: true, decision: 'create' });
    const userId = planted.ok ? planted.user.id : '';
    expect(await linksOf(userId)).toEqual([{ source: source.slug, subject: attacker, proven: 0 }]);

    // The admin invites the address: the invitation reuses the password-less account.
    expect((await adminCall('POST', '/users/invite', { email: owner })).status).toBe(200);
    const person = new Person();
    expect((await person.submit(linkIn(mailsTo(owner).at(-1)), '/invite', { password: CHOSEN })).status).toBe(303);

    expect(await linksOf(userId)).toEqual([]);
    const again = await upstreamSignIn(source, attacker, owner, false);
    expect(again).toEqual({ ok: false, reason: 'email_in_use' });
    const events = await auditUntil(`type=user.identity.unlink&user=${userId}`, (e) => e.length > 0);
    expect(events[0]).toMatchObject({ target: userId, detail: { source: source.slug, subject: attacker } });
  });

  it('loses it at a password reset too', async () => {
    const source = await creatingSource();
    const owner = `${unique('owner')}@example.com`;
    const planted = await upstreamSignIn(source, `attacker-${unique('sub')}`, owner, false);
    const userId = planted.ok ? planted.user.id : '';
    // Resetting needs a password-based account: the admin sets one, the owner resets it.
    expect((await adminCall('PATCH', `/users/${userId}`, { password: 'an admin-set passphrase' })).status).toBe(200);
    const person = new Person();
    expect((await person.submit('/password/forgot', '/password/forgot', { email: owner })).status).toBe(200);
    expect((await person.submit(linkIn(mailsTo(owner).at(-1)), '/password/reset', { password: CHOSEN })).status).toBe(303);
    expect(await linksOf(userId)).toEqual([]);
  });

  it('a link made by a verified upstream email stays', async () => {
    const source = await creatingSource();
    const owner = `${unique('owner')}@example.com`;
    const subject = `real-${unique('sub')}`;
    const created = await upstreamSignIn(source, subject, owner, true);
    const userId = created.ok ? created.user.id : '';
    expect((await adminCall('PATCH', `/users/${userId}`, { password: 'an admin-set passphrase' })).status).toBe(200);
    const person = new Person();
    expect((await person.submit('/password/forgot', '/password/forgot', { email: owner })).status).toBe(200);
    expect((await person.submit(linkIn(mailsTo(owner).at(-1)), '/password/reset', { password: CHOSEN })).status).toBe(303);
    expect(await linksOf(userId)).toEqual([{ source: source.slug, subject, proven: 1 }]);
    expect(await upstreamSignIn(source, subject, owner, true)).toMatchObject({ ok: true, user: { id: userId } });
  });
});

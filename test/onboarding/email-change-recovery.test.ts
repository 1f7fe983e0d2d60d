// A pending email change cannot outlive the owner's recovery: whoever asked for it may only have
// stolen the password. The current address hears of it at once and can stop it; racing requests
// leave one link and racing confirms change the address once.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createUser, PASSWORD, unique } from '../helpers';
import { adminCall, linkIn, mailsTo, Person } from './support';

const NEW_PASSWORD = 'a brand new passphrase';

/** An attacker who knows the password asks to move the account to their own address. */
async function pendingChange() {
  const user = await createUser();
  const attacker = new Person();
  expect((await attacker.signIn(user.email, PASSWORD)).status).toBe(303);
  const theirs = `${unique('attacker')}@example.com`;
  expect((await attacker.submit('/account/email', '/account/email', { email: theirs, password: PASSWORD })).status).toBe(200);
  const link = linkIn(mailsTo(theirs).at(-1));
  return { user, attacker, theirs, link };
}

const tokenOf = (link: string) => new URL(link, 'https://x').searchParams.get('token')!;
/** Confirms from a fresh browser, as the attacker would (the form's CSRF token from any page, so a revoked link's 410 page does not stop the post). */
const confirm = (link: string) => new Person().submit('/password/forgot', '/account/email/confirm', { token: tokenOf(link) });

async function emailOf(id: string): Promise<string> {
  return (await (await adminCall('GET', `/users/${id}`)).json<{ email: string }>()).email;
}

async function openLinks(userId: string, purpose = 'email-change'): Promise<number> {
  const row = await env.DB.prepare('select count(*) as n from one_time_links where user_id = ? and purpose = ? and consumed_at is null').bind(userId, purpose).first<{ n: number }>();
  return row!.n;
}

describe('recovery revokes pending email changes', () => {
  it('a password change on the Account page', async () => {
    const { user, link } = await pendingChange();
    const owner = new Person();
    expect((await owner.signIn(user.email, PASSWORD)).status).toBe(303);
    expect((await owner.submit('/account', '/account/password', { current_password: PASSWORD, new_password: NEW_PASSWORD })).status).toBe(303);
    expect((await confirm(link)).status).toBe(410);
    expect(await emailOf(user.id)).toBe(user.email);
  });

  it('a password reset', async () => {
    const { user, link } = await pendingChange();
    const owner = new Person();
    expect((await owner.submit('/password/forgot', '/password/forgot', { email: user.email })).status).toBe(200);
    const reset = linkIn(mailsTo(user.email).filter((m) => m.subject.startsWith('Reset')).at(-1));
    expect((await owner.submit(reset, '/password/reset', { password: NEW_PASSWORD })).status).toBe(303);
    expect((await confirm(link)).status).toBe(410);
    expect(await emailOf(user.id)).toBe(user.email);
  });

  it('an admin signing the user out everywhere', async () => {
    const { user, link } = await pendingChange();
    expect((await adminCall('DELETE', `/users/${user.id}/sessions`)).status).toBe(200);
    expect((await confirm(link)).status).toBe(410);
  });

  it('a disable (and enabling again does not bring the link back)', async () => {
    const { user, link } = await pendingChange();
    expect((await adminCall('PATCH', `/users/${user.id}`, { disabled: true })).status).toBe(200);
    expect((await confirm(link)).status).toBe(410);
    expect((await adminCall('PATCH', `/users/${user.id}`, { disabled: false })).status).toBe(200);
    expect((await confirm(link)).status).toBe(410);
    expect(await emailOf(user.id)).toBe(user.email);
  });

  it("an admin's email change", async () => {
    const { user, link } = await pendingChange();
    const fixed = `${unique('fixed')}@example.com`;
    expect((await adminCall('PATCH', `/users/${user.id}`, { email: fixed })).status).toBe(200);
    expect((await confirm(link)).status).toBe(410);
    expect(await emailOf(user.id)).toBe(fixed);
  });

  it("an admin's reset of the second factors", async () => {
    const { user, link } = await pendingChange();
    expect((await adminCall('DELETE', `/users/${user.id}/factors`)).status).toBe(200);
    expect((await confirm(link)).status).toBe(410);
  });

  it('a confirm refuses a disabled account, even with a link still open', async () => {
    const { user, link } = await pendingChange();
    // As if the disable raced the confirm: the account is disabled, the link still open.
    await env.DB.prepare('update users set disabled = 1 where id = ?').bind(user.id).run();
    const res = await confirm(link);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('disabled');
    expect(await emailOf(user.id)).toBe(user.email);
  });
});

describe('the current address is told when a change is asked for', () => {
  it('with a link that stops the change', async () => {
    const { user, theirs, link } = await pendingChange();
    const notice = mailsTo(user.email).at(-1)!;
    expect(notice.subject).toMatch(/about to change/);
    expect(notice.text).toContain(theirs);
    const cancel = linkIn(notice);
    expect(cancel).toMatch(/^\/account\/email\/cancel\?token=/);

    // The link opens a page (mail scanners GET links); only its button stops the change.
    const owner = new Person();
    const page = await owner.fetch(cancel);
    expect(page.status).toBe(200);
    expect(await openLinks(user.id)).toBe(1);
    const stopped = await owner.submit(cancel, '/account/email/cancel', {});
    expect(stopped.status).toBe(200);
    expect(await stopped.text()).toContain('/password/forgot');

    expect((await confirm(link)).status).toBe(410);
    expect(await emailOf(user.id)).toBe(user.email);
    expect((await owner.submit('/password/forgot', '/account/email/cancel', { token: tokenOf(cancel) })).status).toBe(410);
  });
});

describe('request and confirm are atomic', () => {
  it('parallel requests leave exactly one live link, and it is the one that works', async () => {
    const user = await createUser();
    const person = new Person();
    expect((await person.signIn(user.email, PASSWORD)).status).toBe(303);
    const addresses = Array.from({ length: 4 }, () => `${unique('race')}@example.com`);
    const page = await person.fetch('/account/email');
    const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const answers = await Promise.all(addresses.map((email) => person.post('/account/email', { csrf, email, password: PASSWORD })));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(await openLinks(user.id)).toBe(1);
    expect(await openLinks(user.id, 'email-change-cancel')).toBe(1);

    const results = await Promise.all(addresses.map((email) => confirm(linkIn(mailsTo(email).at(-1)))));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(addresses).toContain(await emailOf(user.id));
  });

  it('two parallel confirms of two open links: exactly one succeeds', async () => {
    const { user, link } = await pendingChange();
    // A second open link, as an earlier racing request could have left one.
    const other = `${unique('other')}@example.com`;
    const person = new Person();
    expect((await person.signIn(user.email, PASSWORD)).status).toBe(303);
    expect((await person.submit('/account/email', '/account/email', { email: other, password: PASSWORD })).status).toBe(200);
    await env.DB.prepare("update one_time_links set consumed_at = null where user_id = ? and purpose = 'email-change'").bind(user.id).run();
    expect(await openLinks(user.id)).toBe(2);

    const [a, b] = await Promise.all([confirm(link), confirm(linkIn(mailsTo(other).at(-1)))]);
    expect([a!.status, b!.status].sort()).toEqual([200, 410]);
    expect(await openLinks(user.id)).toBe(0);
  });
});

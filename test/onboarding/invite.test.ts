// Invitations: the API creates a password-less account and mails a 7-day single-use link; the
// invitee chooses a password and lands signed in, on My apps or the app they were invited to.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { brandedMessage } from '../../src/email/send';
import { DEFAULT_BRANDING } from '../../src/policy/branding';
import { inviteMail } from '../../src/onboarding/messages';
import { createApp, createUser, unique } from '../helpers';
import { adminCall, linkIn, mailsTo, Person } from './support';

const CHOSEN = 'my own invitation passphrase';

describe('invitations', () => {
  it('create an account without a password and mail a single-use link valid for 7 days', async () => {
    const email = `${unique('invitee')}@example.com`;
    const res = await adminCall('POST', '/users/invite', { email, name: 'Søren Kierkegaard', groups: ['staff'] });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { user: { id: string; has_password: boolean; email_verified: boolean; groups: string[] }; invite_expires_at: string };
    expect(body.user).toMatchObject({ has_password: false, email_verified: false, groups: ['staff'] });
    const days = (Date.parse(body.invite_expires_at) - Date.now()) / 86400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);

    const mail = mailsTo(email).at(-1)!;
    expect(mail.subject).toBe('You are invited to edge-sso');
    expect(mail.text).toContain('Hello Søren Kierkegaard');
    expect(mail.text).toContain('expires in 7 days');
    expect(mail.html).toContain('Accept the invitation');

    const person = new Person();
    const link = linkIn(mail);
    const form = await person.fetch(link);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain(email);
    expect((await person.submit(link, '/invite', { password: 'trustno1' })).status).toBe(400);
    const done = await person.submit(link, '/invite', { password: CHOSEN });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/my-apps');
    expect((await person.fetch('/my-apps')).status).toBe(200);

    const user = (await (await adminCall('GET', `/users/${body.user.id}`)).json()) as { has_password: boolean; email_verified: boolean };
    expect(user).toMatchObject({ has_password: true, email_verified: true });
    expect((await new Person().signIn(email, CHOSEN)).status).toBe(303);
    expect((await person.fetch(link)).status).toBe(410);
  });

  it('invited to an app, the person lands on that app', async () => {
    const app = await createApp({ name: 'Payroll', initiate_login_url: 'https://payroll.example.com/start' });
    const email = `${unique('payroll')}@example.com`;
    expect((await adminCall('POST', '/users/invite', { email, client_id: app.client_id })).status).toBe(201);
    const mail = mailsTo(email).at(-1)!;
    expect(mail.subject).toBe('You are invited to Payroll');
    const person = new Person();
    const done = await person.submit(linkIn(mail), '/invite', { password: CHOSEN });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('https://payroll.example.com/start');
  });

  it('refuses an account that already has a password, an unknown app, and bad input, with clear 4xx', async () => {
    const existing = await createUser();
    expect((await adminCall('POST', '/users/invite', { email: existing.email })).status).toBe(409);
    expect(await (await adminCall('POST', '/users/invite', { email: `${unique('x')}@example.com`, client_id: 'nope' })).json()).toMatchObject({ fields: { client_id: expect.any(String) } });
    const bad = await adminCall('POST', '/users/invite', { email: 'not-an-email', expires_in_days: 90, colour: 'red' });
    expect(bad.status).toBe(400);
    expect(Object.keys(((await bad.json()) as { fields: object }).fields).sort()).toEqual(['colour', 'email', 'expires_in_days']);
  });

  it('inviting again replaces the previous link', async () => {
    const email = `${unique('again')}@example.com`;
    await adminCall('POST', '/users/invite', { email });
    const first = linkIn(mailsTo(email).at(-1));
    expect((await adminCall('POST', '/users/invite', { email, expires_in_days: 2 })).status).toBe(200);
    const second = linkIn(mailsTo(email).at(-1));
    expect((await new Person().fetch(first)).status).toBe(410);
    expect((await new Person().fetch(second)).status).toBe(200);
    const open = (await (await adminCall('GET', '/invites')).json()) as { invites: { email: string; expires_at: string }[] };
    expect(open.invites.filter((i) => i.email === email)).toHaveLength(1);
  });

  it('are audited', async () => {
    const email = `${unique('audited')}@example.com`;
    await adminCall('POST', '/users/invite', { email });
    const row = await env.DB.prepare("select actor, detail from audit_events where type = 'user.invite' and detail like ?").bind(`%${email}%`).first<{ actor: string }>();
    expect(row?.actor).toBe('admin-api');
  });
});

describe('onboarding messages', () => {
  it('render the link and non-ASCII names in both parts, escaped in HTML', () => {
    const mail = inviteMail({ product: 'Acme <SSO>', appName: 'Zürich Payroll', name: 'Ådne "Ø" Ünal', url: 'https://sso.example.com/invite?token=abc', ttlSeconds: 7 * 86400 });
    const body = brandedMessage({ ...DEFAULT_BRANDING, productName: 'Acme <SSO>' }, mail.content);
    expect(mail.subject).toBe('You are invited to Zürich Payroll');
    expect(body.text).toContain('Hello Ådne "Ø" Ünal');
    expect(body.text).toContain('https://sso.example.com/invite?token=abc');
    expect(body.html).toContain('Ådne &quot;Ø&quot; Ünal');
    expect(body.html).not.toContain('<SSO>');
  });
});

// Console: Onboarding. An admin invites by email, opens sign-up with an allow-list, and approves.
import { describe, expect, it } from 'vitest';
import { createUser, PASSWORD, unique } from '../helpers';
import { adminCall, linkIn, mailsTo, Person } from './support';

async function signedInAdmin() {
  const user = await createUser({ roles: ['admin'] });
  const person = new Person();
  expect((await person.signIn(user.email, PASSWORD)).status).toBe(303);
  return person;
}

describe('console: onboarding', () => {
  it('is linked from the Users page and refuses non-admins', async () => {
    const admin = await signedInAdmin();
    expect(await (await admin.fetch('/admin/users')).text()).toContain('href="/admin/onboarding"');
    const user = await createUser();
    const person = new Person();
    await person.signIn(user.email, PASSWORD);
    expect((await person.fetch('/admin/onboarding')).status).toBe(403);
  });

  it('invites by email, showing field errors for bad input', async () => {
    const admin = await signedInAdmin();
    const bad = await admin.submit('/admin/onboarding', '/admin/onboarding/invite', { email: 'nope', days: '99' });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('must be an email address');
    expect(html).toContain('from 1 to 30');

    const email = `${unique('console-invite')}@example.com`;
    const done = await admin.submit('/admin/onboarding', '/admin/onboarding/invite', { email, name: 'Ïda', groups: 'staff\nops', days: '3' });
    expect(done.status).toBe(303);
    expect(mailsTo(email).at(-1)!.text).toContain('expires in 3 days');
    const listing = await (await admin.fetch('/admin/onboarding')).text();
    expect(listing).toContain(email);
  });

  it('opens sign-up with allowed domains and approval, and approves a waiting sign-up', async () => {
    const admin = await signedInAdmin();
    const bad = await admin.submit('/admin/onboarding', '/admin/onboarding/signup', { enabled: 'on', allowed_domains: 'not a domain!' });
    expect(bad.status).toBe(400);
    expect((await (await adminCall('GET', '/signup')).json()) as object).toMatchObject({ enabled: false });

    expect((await admin.submit('/admin/onboarding', '/admin/onboarding/signup', { enabled: 'on', allowed_domains: 'example.com\n@Example.org', require_approval: 'on' })).status).toBe(303);
    expect(await (await adminCall('GET', '/signup')).json()).toEqual({ enabled: true, allowed_domains: ['example.com', 'example.org'], require_approval: true });

    const email = `${unique('wants-in')}@example.org`;
    const person = new Person();
    await person.submit('/signup', '/signup', { name: 'Wants In', email, password: 'a fine long passphrase' });
    await person.submit(linkIn(mailsTo(email).at(-1)), '/signup/verify', {});
    const listing = await (await admin.fetch('/admin/onboarding')).text();
    const action = new RegExp(`action="(/admin/onboarding/signups/[^"]+/approve)"`).exec(listing)![1]!;
    expect(listing).toContain(email);
    expect((await admin.submit('/admin/onboarding', action, {})).status).toBe(303);
    expect((await new Person().signIn(email, 'a fine long passphrase')).status).toBe(303);

    await adminCall('PATCH', '/signup', { enabled: false, allowed_domains: [], require_approval: false });
  });
});

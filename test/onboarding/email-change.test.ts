// Email change: confirmed at the new address, with notice to the old one.
import { describe, expect, it } from 'vitest';
import { createUser, PASSWORD, unique } from '../helpers';
import { linkIn, mailsTo, Person } from './support';

async function signedIn() {
  const user = await createUser();
  const person = new Person();
  expect((await person.signIn(user.email, PASSWORD)).status).toBe(303);
  return { user, person };
}

describe('email change', () => {
  it('needs a session', async () => {
    const res = await new Person().fetch('/account/email');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login');
  });

  it('needs the current password', async () => {
    const { person } = await signedIn();
    const newEmail = `${unique('new')}@example.com`;
    const res = await person.submit('/account/email', '/account/email', { email: newEmail, password: 'wrong password' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('The password is not correct.');
    expect(mailsTo(newEmail)).toHaveLength(0);
  });

  it('changes the address only through the link sent to it, and tells the old address', async () => {
    const { user, person } = await signedIn();
    const newEmail = `${unique('moved')}@example.com`;
    const asked = await person.submit('/account/email', '/account/email', { email: newEmail, password: PASSWORD });
    expect(asked.status).toBe(200);
    expect((await new Person().signIn(newEmail, PASSWORD)).status).toBe(401); // not yet

    const link = linkIn(mailsTo(newEmail).at(-1));
    expect(link).toMatch(/^\/account\/email\/confirm\?token=/);
    const done = await new Person().submit(link, '/account/email/confirm', {});
    expect(done.status).toBe(200);
    expect(await done.text()).toContain(newEmail);

    expect(mailsTo(user.email).at(-1)!.text).toContain(`now uses ${newEmail}`);
    expect((await new Person().signIn(newEmail, PASSWORD)).status).toBe(303);
    expect((await new Person().signIn(user.email, PASSWORD)).status).toBe(401);
    expect((await new Person().fetch(link)).status).toBe(410);
  });

  it('an address that has an account gets a notice, not a link; the page says the same', async () => {
    const { person } = await signedIn();
    const taken = await createUser();
    const res = await person.submit('/account/email', '/account/email', { email: taken.email, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Check your new inbox');
    const mail = mailsTo(taken.email).at(-1)!;
    expect(mail.text).toContain('already has an account');
    expect(mail.text).not.toMatch(/token=/);
  });
});

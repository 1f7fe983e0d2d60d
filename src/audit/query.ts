// Reading the audit trail: filters (type, user by partial match, time range), one page of events,
// and the readable forms of an event's detail. Writing events stays in ./audit.ts.
import { and, desc, gte, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import { slices } from '../db/limits';
import { containsText } from '../db/search';
import type { Database } from '../db/client';
import { auditEvents, users } from '../db/schema';
import { AUDIT_TYPES } from './audit';
import { changeText, type FieldChange } from './changes';

export interface AuditFilters {
  type?: string;
  /** Part of a user's email or id (or of any actor or target, such as an email that failed to sign in). */
  user?: string;
  /** Unix seconds, inclusive. */
  since?: number;
  until?: number;
}

export type AuditEventRow = typeof auditEvents.$inferSelect;

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?(Z|\+00:00)?$/;

/**
 * A time as the filter form or the API sends it, read as UTC: `2026-05-01`, `2026-05-01T09:30`
 * (a datetime-local field), or a full ISO time in UTC. A bare date as the end of a range means
 * the end of that day. Returns Unix seconds, or null when the text is not such a time.
 */
export function parseFilterTime(text: string, end: boolean): number | null {
  const m = DATE.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0));
  const date = new Date(ms);
  if (Number.isNaN(ms) || date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d) || Number(h ?? 0) > 23 || Number(mi ?? 0) > 59) return null;
  const seconds = Math.floor(ms / 1000);
  if (!end) return seconds;
  return h === undefined ? seconds + 86_399 : s === undefined ? seconds + 59 : seconds;
}

/** Reads the filters of a query string; unreadable values are reported per field. The console's
 * "All events" sends an empty type; the API refuses one, as it refuses any unknown type. */
export function parseAuditFilters(query: (name: string) => string | undefined, opts: { emptyTypeIsAll: boolean }): { filters: AuditFilters; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const filters: AuditFilters = {};
  const type = query('type')?.trim();
  if (type || (type === '' && !opts.emptyTypeIsAll)) {
    if ((AUDIT_TYPES as readonly string[]).includes(type)) filters.type = type;
    else errors.type = `must be one of: ${AUDIT_TYPES.join(', ')}`;
  }
  const user = query('user')?.trim();
  if (user) filters.user = user.slice(0, 254);
  for (const [name, end] of [
    ['from', false],
    ['to', true],
  ] as const) {
    const raw = query(name)?.trim();
    if (!raw) continue;
    const seconds = parseFilterTime(raw, end);
    if (seconds === null) errors[name] = 'must be a date such as 2026-05-01 or 2026-05-01T09:30 (UTC)';
    else if (end) filters.until = seconds;
    else filters.since = seconds;
  }
  if (filters.since !== undefined && filters.until !== undefined && filters.since > filters.until) errors.to = 'must not be before the start of the range';
  return { filters, errors };
}

/** The ids of users whose email or id contains `text`: their events name them by id. */
async function matchingUserIds(db: Database, text: string): Promise<string[]> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(or(containsText(users.email, text), containsText(users.id, text)))
    .limit(50);
  return rows.map((r) => r.id);
}

async function whereOf(db: Database, filters: AuditFilters): Promise<SQL | undefined> {
  const conditions: (SQL | undefined)[] = [
    filters.type ? sql`${auditEvents.type} = ${filters.type}` : undefined,
    filters.since !== undefined ? gte(auditEvents.at, filters.since) : undefined,
    filters.until !== undefined ? lte(auditEvents.at, filters.until) : undefined,
  ];
  if (filters.user) {
    const ids = await matchingUserIds(db, filters.user);
    conditions.push(
      or(
        containsText(auditEvents.actor, filters.user),
        containsText(auditEvents.target, filters.user),
        ...(ids.length ? [inArray(auditEvents.actor, ids), inArray(auditEvents.target, ids)] : []),
      ),
    );
  }
  const defined = conditions.filter((c): c is SQL => c !== undefined);
  return defined.length ? and(...defined) : undefined;
}

/** Newest first. */
export async function searchAuditEvents(db: Database, filters: AuditFilters, page: { limit: number; offset: number }): Promise<{ events: AuditEventRow[]; total: number }> {
  const where = await whereOf(db, filters);
  const [events, [count]] = await Promise.all([
    db.select().from(auditEvents).where(where).orderBy(desc(auditEvents.id)).limit(page.limit).offset(page.offset),
    db.select({ total: sql<number>`count(*)` }).from(auditEvents).where(where),
  ]);
  return { events, total: count?.total ?? 0 };
}

/** Emails for the user ids among these events' actors and targets. */
export async function emailsOf(db: Database, events: AuditEventRow[]): Promise<Map<string, string>> {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const ids = [...new Set(events.flatMap((e) => [e.actor, e.target]))].filter((v) => UUID.test(v));
  const named = await Promise.all(slices(ids).map((slice) => db.select({ id: users.id, email: users.email }).from(users).where(inArray(users.id, slice))));
  return new Map(named.flat().map((u) => [u.id, u.email]));
}

/** Labels people read instead of the detail's JSON keys. */
const DETAIL_LABELS: Record<string, string> = { fields: 'changed', grace_seconds: 'grace (seconds)' };

/**
 * An event's detail as `label: value` pairs: lists joined with commas, nested objects flattened.
 * An update's `changes` (./changes.ts) become one pair per field: `token_ttl_seconds: 300 → 600`.
 */
export function detailPairs(detail: Record<string, unknown>): [string, string][] {
  const text = (value: unknown): string =>
    Array.isArray(value) ? value.map(text).join(', ') : value !== null && typeof value === 'object' ? Object.entries(value).map(([k, v]) => `${k}=${text(v)}`).join(', ') : String(value);
  return Object.entries(detail).flatMap(([key, value]): [string, string][] =>
    key === 'changes' && value !== null && typeof value === 'object'
      ? Object.entries(value as Record<string, FieldChange>).map(([field, change]) => [field, changeText(change)])
      : [[Object.hasOwn(DETAIL_LABELS, key) ? DETAIL_LABELS[key]! : key.replace(/_/g, ' '), text(value)]],
  );
}

export const utcText = (seconds: number) => new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19);

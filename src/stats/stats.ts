// Figures for the dashboard and GET /api/admin/stats: sign-ins and failures per UTC day, sign-ins
// per app (from daily_counts, src/audit/counters.ts), and the state of the user base: how many
// users have a second factor, how many lockouts are active now.
import { and, desc, eq, gt, gte, isNotNull, ne, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { apps, dailyCounts, loginThrottle, mfaTotp, users, webauthnCredentials } from '../db/schema';
import { nowSeconds, utcDay } from '../lib/time';

export const MAX_STATS_DAYS = 366;
const DAY = 86_400;

export interface DayFigures {
  date: string;
  sign_ins: number;
  failures: number;
}

export interface AppFigures {
  client_id: string;
  name: string;
  sign_ins: number;
}

export interface Stats {
  days: DayFigures[];
  apps: AppFigures[];
}

/** The last `days` UTC days, oldest first, today included; days without a sign-in are zeros. */
export async function readStats(db: Database, days: number, now = nowSeconds()): Promise<Stats> {
  const dates = Array.from({ length: days }, (_, i) => utcDay(now - (days - 1 - i) * DAY));
  const since = dates[0]!;
  const [deployment, perApp] = await db.batch([
    db.select().from(dailyCounts).where(and(eq(dailyCounts.clientId, ''), gte(dailyCounts.day, since))),
    db
      .select({ clientId: dailyCounts.clientId, name: apps.name, signIns: sql<number>`sum(${dailyCounts.signIns})` })
      .from(dailyCounts)
      .leftJoin(apps, eq(apps.clientId, dailyCounts.clientId))
      .where(and(ne(dailyCounts.clientId, ''), gte(dailyCounts.day, since)))
      .groupBy(dailyCounts.clientId)
      .orderBy(desc(sql`sum(${dailyCounts.signIns})`), dailyCounts.clientId),
  ]);
  const byDay = new Map(deployment.map((row) => [row.day, row]));
  return {
    days: dates.map((date) => ({ date, sign_ins: byDay.get(date)?.signIns ?? 0, failures: byDay.get(date)?.failures ?? 0 })),
    // An app deleted since keeps its figures, named by its client ID.
    apps: perApp.map((row) => ({ client_id: row.clientId, name: row.name ?? row.clientId, sign_ins: Number(row.signIns) })),
  };
}

export interface UserBase {
  users: number;
  /** Users with a confirmed authenticator app or at least one passkey. */
  withSecondFactor: number;
  /** Accounts, addresses and second-factor codes locked right now. */
  activeLockouts: number;
}

export async function readUserBase(db: Database, now = nowSeconds()): Promise<UserBase> {
  const [[total], [withFactor], [locked]] = await db.batch([
    db.select({ n: sql<number>`count(*)` }).from(users),
    db
      .select({ n: sql<number>`count(*)` })
      .from(users)
      .where(
        sql`exists (select 1 from ${mfaTotp} where ${mfaTotp.userId} = ${users.id} and ${isNotNull(mfaTotp.confirmedAt)})
          or exists (select 1 from ${webauthnCredentials} where ${webauthnCredentials.userId} = ${users.id})`,
      ),
    db.select({ n: sql<number>`count(*)` }).from(loginThrottle).where(gt(loginThrottle.lockedUntil, now)),
  ]);
  return { users: total?.n ?? 0, withSecondFactor: withFactor?.n ?? 0, activeLockouts: locked?.n ?? 0 };
}

/** Deletes figures older than the audit log's retention (the Cron Trigger). Returns how many rows went. */
export async function pruneDailyCounts(db: Database, retentionDays: number, now = nowSeconds()): Promise<number> {
  const deleted = await db.delete(dailyCounts).where(sql`${dailyCounts.day} < ${utcDay(now - retentionDays * DAY)}`).returning({ day: dailyCounts.day });
  return deleted.length;
}

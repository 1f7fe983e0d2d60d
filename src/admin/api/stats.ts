// GET /api/admin/stats?days=N: sign-ins and failures per UTC day, and sign-ins per app (src/stats/).
import { Hono } from 'hono';
import type { AppEnv } from '../../http/context';
import { ValidationError } from '../../lib/errors';
import { MAX_STATS_DAYS, readStats } from '../../stats/stats';
import { db } from './request';

export const statsApi = new Hono<AppEnv>();

statsApi.get('/', async (c) => {
  const raw = c.req.query('days') ?? '30';
  const days = Number(raw);
  if (!/^\d+$/.test(raw) || days < 1 || days > MAX_STATS_DAYS) throw new ValidationError({ days: `must be a whole number from 1 to ${MAX_STATS_DAYS}` });
  return c.json(await readStats(db(c), days));
});

// Console home: the dashboard. Sign-ins and failures per day for the last 30 days (chart and
// table), the apps people sign in to most, the share of users with a second factor, and active
// lockouts, each linking to the page its number comes from.
import type { Context } from 'hono';
import { dbOf } from '../../http/context';
import { SignInChart } from '../../stats/chart';
import { readStats, readUserBase } from '../../stats/stats';
import type { ConsoleEnv } from './context';
import { ConsolePage } from './layout';

export const DASHBOARD_DAYS = 30;
const TOP_APPS = 10;

const percent = (part: number, whole: number) => (whole === 0 ? '0%' : `${Math.round((part / whole) * 100)}%`);

export async function dashboardPage(c: Context<ConsoleEnv>) {
  const db = dbOf(c);
  const [stats, base] = await Promise.all([readStats(db, DASHBOARD_DAYS), readUserBase(db)]);
  const today = stats.days.at(-1)!;
  const total = (field: 'sign_ins' | 'failures') => stats.days.reduce((sum, d) => sum + d[field], 0);
  const newestFirst = [...stats.days].reverse();
  return c.html(
    <ConsolePage c={c} title="Dashboard">
      <div class="card">
        <h2>At a glance</h2>
        <dl class="details" data-testid="figures">
          <dt>Sign-ins today</dt>
          <dd data-figure="sign-ins-today">
            {today.sign_ins} · <a href="/admin/audit?type=login.success">in the audit log</a>
          </dd>
          <dt>Failed attempts today</dt>
          <dd data-figure="failures-today">
            {today.failures} · <a href="/admin/audit?type=login.failure">in the audit log</a>
          </dd>
          <dt>Last {DASHBOARD_DAYS} days</dt>
          <dd data-figure="period">
            {total('sign_ins')} sign-ins, {total('failures')} failed attempts
          </dd>
          <dt>Users with a second factor</dt>
          <dd data-figure="second-factor">
            {percent(base.withSecondFactor, base.users)} ({base.withSecondFactor} of {base.users}) · <a href="/admin/users">users</a>,{' '}
            <a href="/admin/security">sign-in security</a>
          </dd>
          <dt>Active lockouts</dt>
          <dd data-figure="lockouts">
            {base.activeLockouts} · <a href="/admin/protection">sign-in protection</a>
          </dd>
        </dl>
      </div>
      <div class="card">
        <h2 id="per-day">Sign-ins per day</h2>
        <SignInChart days={stats.days} />
        <div class="table-wrap" role="region" aria-labelledby="per-day-caption" tabindex={0}>
          <table data-testid="per-day">
            <caption id="per-day-caption">Sign-ins and failed attempts per UTC day, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Day (UTC)</th>
                <th scope="col">Sign-ins</th>
                <th scope="col">Failed attempts</th>
              </tr>
            </thead>
            <tbody>
              {newestFirst.map((d) => (
                <tr data-date={d.date}>
                  <th scope="row">{d.date}</th>
                  <td>{d.sign_ins}</td>
                  <td>{d.failures}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p class="muted">
          A sign-in is a session started (any method); a failed attempt is a wrong password or code, or a sign-in an identity source refused. The same figures:{' '}
          <code>GET /api/admin/stats?days={DASHBOARD_DAYS}</code>.
        </p>
      </div>
      <div class="card">
        <h2 id="top-apps">Top apps, last {DASHBOARD_DAYS} days</h2>
        {stats.apps.length === 0 ? (
          <p class="muted">No app has received a sign-in in this period.</p>
        ) : (
          <table data-testid="top-apps" aria-labelledby="top-apps">
            <thead>
              <tr>
                <th scope="col">Application</th>
                <th scope="col">Sign-ins</th>
              </tr>
            </thead>
            <tbody>
              {stats.apps.slice(0, TOP_APPS).map((app) => (
                <tr data-client-id={app.client_id}>
                  <td class="wrap">
                    <a href={`/admin/apps/${encodeURIComponent(app.client_id)}`}>{app.name}</a>
                  </td>
                  <td>{app.sign_ins}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p class="muted">An app's sign-ins count each session that received a token or code for it that day.</p>
      </div>
    </ConsolePage>,
  );
}

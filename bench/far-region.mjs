// `npm run bench -- --d1-latency MS`: the cost of D1 being far away. A second worker runs with
// DEV_D1_LATENCY_MS (src/db/dev-latency.ts, honoured on loopback only), so every D1 call waits MS
// first, as a primary in another region would; each path is then timed one request at a time,
// and the worker reports how many D1 calls the response waited for one after another.
import { randomBytes } from 'node:crypto';
import { adminClient } from '../scripts/local-worker.mjs';
import { authorizeCode, basicAuth, codeFlowTokens, exchangeCode, loginForm, postLogin, REDIRECT, signIn } from './flows.mjs';

const SAMPLES = 5;

const median = (values) => {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

/** The paths of issue #19's table, each: untimed preparation, then the timed request and its expected status. */
function paths(base, fixture, admin) {
  const { apps, cookie, oidc, email, password } = fixture;
  const ssoUrl = `${base}/sso/jwt/${apps.HS256}?redirect_uri=${encodeURIComponent(REDIRECT)}`;
  return [
    { label: 'SSO URL with a live session', goal: '0', request: () => fetch(ssoUrl, { headers: { cookie }, redirect: 'manual' }), status: 303 },
    {
      label: 'login page (GET /login?flow=…)',
      goal: '0',
      prepare: () => loginForm(base, apps.HS256),
      request: (form) => fetch(new URL(form.loginPath, base), { redirect: 'manual' }),
      status: 200,
    },
    { label: 'password sign-in, correct (POST /login)', goal: '≤ 2', prepare: () => loginForm(base, apps.HS256), request: (form) => postLogin(base, form, email, password), status: 303 },
    { label: 'password sign-in, wrong password', goal: '≤ 2', prepare: () => loginForm(base, apps.HS256), request: (form) => postLogin(base, form, email, `${password}-wrong`), status: 401 },
    { label: 'OIDC code exchange (token endpoint)', goal: '≤ 2', prepare: () => authorizeCode(base, oidc, cookie), request: (code) => exchangeCode(base, oidc, code), status: 200 },
    {
      label: 'OIDC refresh grant',
      goal: '≤ 2',
      prepare: async () => (await codeFlowTokens(base, oidc, cookie)).refresh_token,
      request: (token) =>
        fetch(`${base}/oauth2/token`, {
          method: 'POST',
          headers: { authorization: basicAuth(oidc), 'content-type': 'application/x-www-form-urlencoded' },
          body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}`,
        }),
      status: 200,
    },
    {
      label: 'userinfo',
      goal: '≤ 1',
      prepare: async () => (await codeFlowTokens(base, oidc, cookie)).access_token,
      request: (token) => fetch(`${base}/oauth2/userinfo`, { headers: { authorization: `Bearer ${token}` } }),
      status: 200,
    },
    { label: 'console page (/admin/apps)', goal: 'replica', request: () => fetch(`${base}/admin/apps`, { headers: { cookie: admin }, redirect: 'manual' }), status: 200 },
  ];
}

/** Times each path SAMPLES times (after one warm-up) against a worker started with the latency. */
export async function farRegion(base, fixture, { latencyMs, adminToken }) {
  // An admin for the console page, signed in through the same login form.
  const api = adminClient(base, adminToken);
  const email = `bench-admin-${randomBytes(4).toString('hex')}@example.com`;
  const password = randomBytes(18).toString('base64url');
  await api('POST', '/users', { email, password, name: 'Bench Admin', roles: ['admin'] });
  const admin = await signIn(base, fixture.apps.HS256, email, password);
  const rows = [];
  for (const path of paths(base, fixture, admin)) {
    const times = [];
    const trips = [];
    for (let i = 0; i <= SAMPLES; i++) {
      const prepared = path.prepare ? await path.prepare() : undefined;
      const t0 = performance.now();
      const res = await path.request(prepared);
      await res.arrayBuffer();
      const ms = performance.now() - t0;
      if (res.status !== path.status) throw new Error(`${path.label}: expected ${path.status}, got ${res.status}`);
      if (i === 0) continue; // warm-up: isolate caches
      times.push(ms);
      trips.push(Number(res.headers.get('x-dev-d1-round-trips')));
    }
    rows.push({ label: path.label, goal: path.goal, roundTrips: Math.max(...trips), medianMs: median(times), d1Ms: Math.max(...trips) * latencyMs });
  }
  return rows;
}

export function farRegionTable(rows, latencyMs) {
  const header = ['Path', 'goal', 'sequential D1 round trips', `median ms at +${latencyMs} ms per D1 call`, 'of which waiting on D1'];
  const lines = rows.map((r) => [r.label, r.goal, String(r.roundTrips), r.medianMs.toFixed(0), `${r.d1Ms} ms`]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells) => `| ${cells.map((c, i) => (i > 0 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i > 0 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [row(header), rule, ...lines.map(row)].join('\n');
}

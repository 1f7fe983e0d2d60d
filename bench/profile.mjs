// `node bench/profile.mjs [--requests N] [--route sso-HS256|sso-ES256|bare|refresh] [--top K]`
//
// Where the worker's CPU goes on one route: starts `wrangler dev` with an inspector port, signs a
// user in (as bench/run.mjs does), then records workerd's V8 CPU profile (the DevTools protocol:
// Profiler.start / Profiler.stop) over N requests and prints the functions with the most self time
// and the most total time. Wall-clock noise from other load on the machine barely moves the
// split between functions, which is what this is for.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { applyMigrations, ensureDevVars, freePort, ROOT, startWorker } from '../scripts/local-worker.mjs';
import { codeFlowTokens, basicAuth, REDIRECT } from './flows.mjs';
import { setUpFixture } from './fixture.mjs';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : null))
    .filter(Boolean),
);
const REQUESTS = Number(args.requests ?? 3000);
const ROUTES = (args.route ?? 'sso-HS256').split(',');
const TOP = Number(args.top ?? 25);
const CALLERS = args.callers; // a function label prefix: also show who calls it
const CONCURRENCY = 8;

const persistTo = join(ROOT, '.wrangler', `profile-${process.pid}`);
let worker = null;

/** A DevTools protocol session over the inspector's WebSocket. */
async function devtools(inspectorPort) {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  // wrangler's inspector proxy admits DevTools from a loopback origin only (Node's WebSocket sends none).
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl, { headers: { origin: 'http://127.0.0.1' } });
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let id = 0;
  const pending = new Map();
  ws.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.id && pending.has(msg.id)) {
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
    }
  };
  return {
    send: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const n = ++id;
        pending.set(n, (msg) => (msg.error ? reject(new Error(`${method}: ${msg.error.message}`)) : resolve(msg.result)));
        ws.send(JSON.stringify({ id: n, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** Self and total time per function (name + file:line), from a V8 CPU profile. */
function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfSamples = new Map();
  for (const s of profile.samples) selfSamples.set(s, (selfSamples.get(s) ?? 0) + 1);
  const label = (n) => {
    const f = n.callFrame;
    const file = f.url ? f.url.split('/').slice(-2).join('/') : '';
    return `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
  };
  const self = new Map();
  const total = new Map();
  let all = 0;
  for (const [id, count] of selfSamples) {
    all += count;
    const node = byId.get(id);
    self.set(label(node), (self.get(label(node)) ?? 0) + count);
    // Each function on the stack once (recursion counted once).
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur));
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + count);
    }
  }
  const idle = [...self].filter(([l]) => l.startsWith('(idle)')).reduce((n, [, c]) => n + c, 0);
  const callers = new Map();
  if (CALLERS) {
    for (const [id, count] of selfSamples) {
      if (!label(byId.get(id)).startsWith(CALLERS)) continue;
      const chain = [];
      for (let cur = parent.get(id); cur !== undefined && chain.length < 3; cur = parent.get(cur)) chain.push(label(byId.get(cur)));
      const key = chain.join(' < ');
      callers.set(key, (callers.get(key) ?? 0) + count);
    }
  }
  return { self, total, all, idle, callers };
}

function print(title, { self, total, all, idle, callers }, requests) {
  const busy = all - idle;
  const row = ([l, c]) => `${((100 * c) / busy).toFixed(1).padStart(5)}%  ${l}`;
  console.log(`\n== ${title}: ${busy} busy samples of ${all} (${((busy * 0.1) / requests).toFixed(3)} ms busy per request at 100 µs sampling)`);
  console.log('-- self');
  for (const r of [...self].filter(([l]) => !l.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(row(r));
  if (CALLERS) {
    console.log(`-- callers of ${CALLERS} (µs per request)`);
    for (const [chain, c] of [...callers].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${((c * 100) / requests).toFixed(1).padStart(7)}  ${chain}`);
  }
  console.log('-- total');
  for (const r of [...total].filter(([l]) => !l.startsWith('(idle)') && !l.startsWith('(root)')).sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(row(r));
}

/** What a route costs beyond the first one named: self time per request, by function (µs at 100 µs sampling). */
function printDelta(route, baseline, summary, base) {
  const perRequest = (n) => (n * 100) / REQUESTS;
  const names = new Set([...summary.self.keys(), ...base.self.keys()]);
  const rows = [...names]
    .filter((l) => !l.startsWith('(idle)'))
    .map((l) => [l, perRequest((summary.self.get(l) ?? 0) - (base.self.get(l) ?? 0))])
    .sort((a, b) => b[1] - a[1]);
  const busy = (s) => perRequest(s.all - s.idle);
  console.log(`-- ${route} minus ${baseline}: ${(busy(summary) - busy(base)).toFixed(1)} µs busy per request more; by function (self, µs per request):`);
  for (const [l, d] of rows.slice(0, TOP)) console.log(`${d.toFixed(1).padStart(7)}  ${l}`);
}

async function main() {
  const { vars } = ensureDevVars();
  applyMigrations({ persistTo });
  const port = await freePort();
  const inspectorPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  worker = await startWorker({ port, persistTo, vars: { ISSUER: base }, inspectorPort });
  const fixture = await setUpFixture(base, vars.ADMIN_API_TOKEN);
  const requests = {
    bare: () => fetch(`${base}/healthz`),
    'sso-HS256': () => fetch(`${base}/sso/jwt/${fixture.apps.HS256}?redirect_uri=${encodeURIComponent(REDIRECT)}`, { headers: { cookie: fixture.cookie }, redirect: 'manual' }),
    'sso-ES256': () => fetch(`${base}/sso/jwt/${fixture.apps.ES256}?redirect_uri=${encodeURIComponent(REDIRECT)}`, { headers: { cookie: fixture.cookie }, redirect: 'manual' }),
  };
  const chains = [];
  for (let i = 0; i < CONCURRENCY; i++) chains.push((await codeFlowTokens(base, fixture.oidc, fixture.cookie)).refresh_token);
  let turn = 0;
  requests.refresh = async () => {
    const i = turn++ % CONCURRENCY;
    const res = await fetch(`${base}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(fixture.oidc), 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(chains[i])}`,
    });
    const body = await res.json();
    chains[i] = body.refresh_token;
    return new Response(null, { status: res.status });
  };
  const run = async (route, n) => {
    let next = 0;
    const statuses = new Map();
    await Promise.all(
      Array.from({ length: route === 'refresh' ? 1 : CONCURRENCY }, async () => {
        while (next++ < n) {
          const res = await requests[route]();
          await res.arrayBuffer?.();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
    return statuses;
  };
  const session = await devtools(inspectorPort);
  await session.send('Profiler.enable');
  await session.send('Profiler.setSamplingInterval', { interval: 100 });
  let first = null;
  for (const route of ROUTES) {
    await run(route, 300); // warm: isolate caches, JIT
    await session.send('Profiler.start');
    const statuses = await run(route, REQUESTS);
    const { profile } = await session.send('Profiler.stop');
    const summary = summarize(profile);
    print(`${route} × ${REQUESTS} (statuses ${[...statuses].map(([s, c]) => `${s}: ${c}`).join(', ')})`, summary, REQUESTS);
    if (first) printDelta(route, ROUTES[0], summary, first);
    first ??= summary;
  }
  session.close();
}

try {
  await main();
} finally {
  await worker?.stop();
  rmSync(persistTo, { recursive: true, force: true });
}

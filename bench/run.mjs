// `npm run bench [-- --duration S] [-- --connections N] [-- --quick] [-- --json] [-- --d1-latency MS] [-- --openauth | --openauth-only]`
//
// Measures the SSO hot path against a bare route on the same local worker:
//   1. GET /healthz                      the baseline (Hono routing + middleware, no I/O)
//   2. GET /sso/jwt/:clientId            with a live session cookie, for HS256, ES256 and RS256 apps
//                                        (expects 303 with id_token in Location)
//   3. GET /.well-known/jwks.json
//   4. POST /oauth2/token, authorization_code grant: each request redeems a code its connection
//      obtained (untimed) just before, through the authorization endpoint with the live session
//   5. POST /oauth2/token, refresh_token grant (ES256 app, client_secret_basic). Refresh tokens
//      rotate and a replayed one revokes its family, so every connection keeps its own chain:
//      each request sends the refresh token the previous response on that connection returned.
//      The chains are seeded before measuring, each by a real authorization code flow.
//   6. GET /oauth2/userinfo with a Bearer access token
// `--d1-latency MS` then times each path of issue #19 with MS added to every D1 call (./far-region.mjs).
// `--openauth` then compares the refresh grant with OpenAuth 0.4.3's (./openauth.mjs); `--openauth-only` runs just that.
// The worker runs under `wrangler dev` with its own temporary persist dir, removed at the end.
// `wrangler dev` puts a Node proxy in front of workerd, and the load generator shares the
// machine's cores, so absolute numbers describe this machine only: compare the ratios.
import { rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { applyMigrations, ensureDevVars, freePort, ROOT, startWorker } from '../scripts/local-worker.mjs';
import { authorizeCode, basicAuth, codeFlowTokens, decodeJwtHeader, REDIRECT } from './flows.mjs';
import { farRegion, farRegionTable } from './far-region.mjs';
import { ALGS, setUpFixture } from './fixture.mjs';
import { cpuBetween, serverCpuByPid } from './server-cpu.mjs';
import { compareRefresh, refreshComparisonText, startOpenAuth } from './openauth.mjs';

const GOAL_RATIO = 0.9;
const GOAL_ALGS = ['HS256', 'ES256'];
const MAX_REQUESTS_PER_SEGMENT = 2_000_000; // a hard stop besides the clock
const REQUEST_GRACE_MS = 10_000; // in-flight requests are aborted this long after a segment's end

// --- Options ----------------------------------------------------------------------------------

function parseArgs(argv) {
  const opts = { duration: 5, connections: 16, quick: false, json: false, durationSet: false, d1Latency: null, openauth: false, routes: true };
  const value = (i, name) => {
    const arg = argv[i];
    if (arg.includes('=')) return [arg.slice(arg.indexOf('=') + 1), i];
    if (i + 1 >= argv.length) usage(`${name} needs a value`);
    return [argv[i + 1], i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = arg.split('=')[0];
    if (name === '--quick') opts.quick = true;
    else if (name === '--json') opts.json = true;
    else if (name === '--openauth') opts.openauth = true;
    else if (name === '--openauth-only') {
      opts.openauth = true;
      opts.routes = false;
    }
    else if (name === '--help' || name === '-h') usage();
    else if (name === '--duration') {
      const [raw, next] = value(i, name);
      i = next;
      opts.duration = Number(raw);
      opts.durationSet = true;
      if (!(opts.duration >= 0.2 && opts.duration <= 60)) usage(`--duration must be seconds from 0.2 to 60, got "${raw}"`);
    } else if (name === '--d1-latency') {
      const [raw, next] = value(i, name);
      i = next;
      opts.d1Latency = Number(raw);
      if (!Number.isInteger(opts.d1Latency) || opts.d1Latency < 1 || opts.d1Latency > 5000) usage(`--d1-latency must be whole milliseconds from 1 to 5000, got "${raw}"`);
    } else if (name === '--connections') {
      const [raw, next] = value(i, name);
      i = next;
      opts.connections = Number(raw);
      if (!Number.isInteger(opts.connections) || opts.connections < 1 || opts.connections > 256) {
        usage(`--connections must be a whole number from 1 to 256, got "${raw}"`);
      }
    } else usage(`unknown option "${arg}"`);
  }
  if (opts.quick && !opts.durationSet) opts.duration = 1;
  return opts;
}

function usage(error) {
  const text = [
    'Usage: npm run bench -- [--duration S] [--connections N] [--quick] [--json] [--d1-latency MS] [--openauth | --openauth-only]',
    '  --duration S     seconds of measurement per route (default 5; 1 with --quick)',
    '  --connections N  concurrent keep-alive connections (default 16)',
    '  --quick          a short run (~1 s per route, shorter warm-up)',
    '  --json           print the results as JSON instead of a table',
    '  --d1-latency MS  then, far-region mode: a second worker adds MS to every D1 call (a primary in',
    '                   another region); each path of issue #19 is timed and its sequential D1 round trips counted',
    '  --openauth       then, the refresh grant against OpenAuth 0.4.3 (bench/openauth/) under wrangler dev: 8 chains',
    '                   per server, each rotating its own refresh token, for --duration S each; refreshes/s and the ratio',
    '  --openauth-only  only that comparison (no route table)',
  ].join('\n');
  if (error) {
    console.error(`bench: ${error}\n${text}`);
    process.exit(2);
  }
  console.log(text);
  process.exit(0);
}

const opts = parseArgs(process.argv.slice(2));
const log = (msg) => console.error(`[bench] ${msg}`);

// --- Worker lifecycle -------------------------------------------------------------------------

const persistTo = join(ROOT, '.wrangler', `bench-${process.pid}`);
let starting = null; // the startWorker promise, so a signal during start-up still stops wrangler
let openauthStarting = null; // the same for the OpenAuth issuer of --openauth
let cleaning = null;
let interrupted = false;

function cleanup() {
  cleaning ??= (async () => {
    try {
      const worker = await starting?.catch(() => null); // a failed start has killed its own child
      if (worker) await worker.stop();
      await (await openauthStarting?.catch(() => null))?.stop();
    } finally {
      rmSync(persistTo, { recursive: true, force: true });
    }
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupted = true;
    log(`${signal}: stopping the worker and removing ${relative(ROOT, persistTo)}`);
    cleanup().finally(() => process.exit(130));
  });
}

// --- Load generation --------------------------------------------------------------------------

/**
 * Runs `connections` request loops against `url` for `seconds` (bounded by count too).
 * `check(res)` says whether a response counts as a success. Latencies are in ms.
 */
async function measure(route, { seconds, connections, serverPid }) {
  const { url, check } = route;
  const latencies = [];
  const errorKinds = new Map();
  let errors = 0;
  let started = 0;
  const controller = new AbortController();
  const cpuBefore = serverCpuByPid(serverPid);
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const hardStop = setTimeout(() => controller.abort(), seconds * 1000 + REQUEST_GRACE_MS);
  const noteError = (kind) => {
    errors++;
    errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
  };

  async function loop(connection) {
    while (performance.now() < deadline && started < MAX_REQUESTS_PER_SEGMENT) {
      started++;
      // A route with per-connection state (the refresh chain) builds each request and reads each
      // response itself; the others are a plain GET.
      if (route.prepare) await route.prepare(connection);
      const init = route.request ? route.request(connection) : { headers: route.headers ?? {} };
      const t0 = performance.now();
      try {
        const res = await fetch(url, { ...init, redirect: 'manual', signal: controller.signal });
        const ok = route.settle ? await route.settle(connection, res) : check(res);
        if (!route.settle) await res.arrayBuffer(); // read the body so the connection is reused
        const t1 = performance.now();
        if (ok) latencies.push(t1 - t0);
        else noteError(`HTTP ${res.status}`);
      } catch (error) {
        route.broken?.(connection);
        noteError(error.name === 'AbortError' ? 'timeout' : (error.cause?.code ?? error.name));
      }
    }
  }

  await Promise.all(Array.from({ length: connections }, (_, i) => loop(i)));
  clearTimeout(hardStop);
  const elapsed = (performance.now() - start) / 1000;
  const serverCpu = cpuBetween(cpuBefore, serverCpuByPid(serverPid));
  const sorted = Float64Array.from(latencies).sort();
  return { ok: latencies.length, errors, errorKinds, elapsed, latencies, rps: latencies.length / elapsed, p50: percentile(sorted, 50), serverCpu };
}

const median = (values) => {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Merges the segments measured for one route into one result. */
function summarize(segments) {
  const latencies = new Float64Array(segments.reduce((n, s) => n + s.latencies.length, 0));
  let offset = 0;
  for (const s of segments) {
    latencies.set(s.latencies, offset);
    offset += s.latencies.length;
  }
  latencies.sort();
  const ok = segments.reduce((n, s) => n + s.ok, 0);
  const errors = segments.reduce((n, s) => n + s.errors, 0);
  const elapsed = segments.reduce((n, s) => n + s.elapsed, 0);
  const serverCpu = segments.some((s) => s.serverCpu === null) ? NaN : segments.reduce((n, s) => n + s.serverCpu, 0);
  const errorKinds = {};
  for (const s of segments) for (const [k, v] of s.errorKinds) errorKinds[k] = (errorKinds[k] ?? 0) + v;
  return {
    requests: ok + errors,
    ok,
    errors,
    errorKinds,
    seconds: elapsed,
    rps: ok / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    // Server CPU (wrangler's proxy + workerd) per request, in ms; NaN where /proc is unavailable.
    serverCpuMsPerRequest: (serverCpu * 1000) / (ok + errors),
    // Per-segment throughput shows drift across the run.
    segmentRps: segments.map((s) => s.rps),
  };
}

// --- Routes with per-connection state -----------------------------------------------------

/**
 * The refresh grant, honestly: refresh tokens rotate, so each connection follows its own chain,
 * sending the token its previous response returned. A chain broken by an error (its last token's
 * fate unknown) is re-seeded with a new code flow before that connection's next timed request.
 */
function refreshRoute(base, { oidc, cookie }, connections) {
  const chains = new Array(connections).fill(null);
  return {
    key: 'refresh',
    label: 'POST /oauth2/token, refresh grant',
    url: `${base}/oauth2/token`,
    check: is200,
    async seed() {
      for (let i = 0; i < connections; i++) chains[i] ??= (await codeFlowTokens(base, oidc, cookie)).refresh_token;
    },
    async prepare(connection) {
      chains[connection] ??= (await codeFlowTokens(base, oidc, cookie)).refresh_token;
    },
    request(connection) {
      return {
        method: 'POST',
        headers: { authorization: basicAuth(oidc), 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(chains[connection])}`,
      };
    },
    async settle(connection, res) {
      const body = await res.json().catch(() => null);
      const ok = res.status === 200 && typeof body?.refresh_token === 'string' && typeof body?.id_token === 'string';
      chains[connection] = ok ? body.refresh_token : null;
      return ok;
    },
    broken(connection) {
      chains[connection] = null;
    },
  };
}

/** The code exchange: each request redeems a code its connection obtained (untimed) just before. */
function codeExchangeRoute(base, { oidc, cookie }, connections) {
  const codes = new Array(connections).fill(null);
  return {
    key: 'exchange',
    label: 'POST /oauth2/token, code exchange',
    url: `${base}/oauth2/token`,
    check: is200,
    async seed() {
      codes[0] = await authorizeCode(base, oidc, cookie);
    },
    async prepare(connection) {
      codes[connection] = await authorizeCode(base, oidc, cookie);
    },
    request(connection) {
      const { code, verifier } = codes[connection];
      return {
        method: 'POST',
        headers: { authorization: basicAuth(oidc), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }).toString(),
      };
    },
    async settle(_connection, res) {
      const body = await res.json().catch(() => null);
      return res.status === 200 && typeof body?.id_token === 'string';
    },
  };
}

// --- Routes -----------------------------------------------------------------------------------

const is200 = (res) => res.status === 200;
const isTokenRedirect = (res) => res.status === 303 && (res.headers.get('location') ?? '').includes('id_token=');

function routes(base, fixture, connections) {
  const { apps, cookie } = fixture;
  const bare = { key: 'bare', label: 'GET /healthz (bare route)', url: `${base}/healthz`, check: is200 };
  const sso = ALGS.map((alg) => ({
    key: `sso-${alg}`,
    alg,
    label: `SSO URL, live session, ${alg}`,
    url: `${base}/sso/jwt/${apps[alg]}?redirect_uri=${encodeURIComponent(REDIRECT)}`,
    headers: { cookie },
    check: isTokenRedirect,
  }));
  const jwks = { key: 'jwks', label: 'GET /.well-known/jwks.json', url: `${base}/.well-known/jwks.json`, check: is200 };
  const refresh = refreshRoute(base, fixture, connections);
  const exchange = codeExchangeRoute(base, fixture, connections);
  // Access tokens live 10 minutes: a long run takes a fresh one (untimed) before the old one nears its end.
  let access = { token: fixture.accessToken, at: Date.now() };
  let renewing = null;
  const userinfo = {
    key: 'userinfo',
    label: 'GET /oauth2/userinfo (Bearer)',
    url: `${base}/oauth2/userinfo`,
    get headers() {
      return { authorization: `Bearer ${access.token}` };
    },
    async prepare() {
      if (Date.now() - access.at < 5 * 60_000) return;
      renewing ??= codeFlowTokens(base, fixture.oidc, cookie).then((t) => {
        access = { token: t.access_token, at: Date.now() };
        renewing = null;
      });
      await renewing;
    },
    check: is200,
  };
  return { bare, measured: [...sso, jwks, exchange, refresh, userinfo] };
}

/** One request per route, so a broken route fails loudly before any load is put on it. */
async function preflight(route) {
  if (route.request) {
    await route.seed();
    const res = await fetch(route.url, { ...route.request(0), redirect: 'manual' });
    if (!(await route.settle(0, res))) throw new Error(`${route.label}: got HTTP ${res.status}`);
    return;
  }
  const res = await fetch(route.url, { headers: route.headers, redirect: 'manual' });
  const location = res.headers.get('location');
  const body = await res.text();
  if (!route.check(res)) throw new Error(`${route.label}: got HTTP ${res.status} ${location ?? ''} ${body.slice(0, 200)}`);
  if (route.alg) {
    const token = new URL(location).searchParams.get('id_token');
    const { alg } = decodeJwtHeader(token);
    if (alg !== route.alg) throw new Error(`${route.label}: id_token is signed with ${alg}`);
  }
}

// --- Output -----------------------------------------------------------------------------------

const fmt = (n, digits) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');

function table(rows) {
  const header = ['Route', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'throughput × bare', 'p50 × bare', 'server CPU ms/req'];
  const lines = rows.map((r) => [
    r.label,
    fmtInt(r.rps),
    fmt(r.p50, 2),
    fmt(r.p99, 2),
    r.errors ? `${r.errors} (${Object.entries(r.errorKinds).map(([k, v]) => `${k}: ${v}`).join(', ')})` : '0',
    r.key === 'bare' ? '1.00' : fmt(r.throughputRatio, 2),
    r.key === 'bare' ? '1.00' : fmt(r.p50Ratio, 2),
    fmt(r.serverCpuMsPerRequest, 2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const right = (i) => i > 0;
  const row = (cells) => `| ${cells.map((c, i) => (right(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (right(i) ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}`;
  return [row(header), `${rule}|`, ...lines.map(row)].join('\n');
}

// --- Main -------------------------------------------------------------------------------------

/** Each route against the bare route: the table, and the goal line. Returns the routes that failed entirely. */
async function routeTable(base, fixture, serverPid, loadBefore) {
  // Short interleaved rounds: load from elsewhere on the machine hits the bare route and the
  // routes alike, and the per-round ratios' median shrugs off a stalled round.
  const rounds = Math.max(2, Math.min(10, Math.round(opts.duration)));
  const segmentSeconds = opts.duration / rounds;
  const warmupSeconds = opts.quick ? 0.3 : 1;
  log(`seeding ${opts.connections} refresh-token chains and a userinfo access token through the authorization code flow`);
  fixture.accessToken = (await codeFlowTokens(base, fixture.oidc, fixture.cookie)).access_token;
  const { bare, measured } = routes(base, fixture, opts.connections);
  for (const route of [bare, ...measured]) await preflight(route);

  const load = { seconds: 0, connections: opts.connections, serverPid };
  log(`warming up (${warmupSeconds} s per route, ${opts.connections} connections)`);
  for (const route of [bare, ...measured]) {
    const w = await measure(route, { ...load, seconds: warmupSeconds });
    if (w.ok === 0) throw new Error(`${route.label}: every warm-up request failed (${[...w.errorKinds].join(', ')})`);
  }

  // Bare, then each route (in an order rotated every round, so no route always follows the
  // baseline), per round, and bare once more at the end: every route's segment sits between two
  // baseline segments, and its ratios are taken against their mean.
  const segments = new Map([[bare.key, []], ...measured.map((r) => [r.key, []])]);
  const run = async (route) => {
    segments.get(route.key).push(await measure(route, { ...load, seconds: segmentSeconds }));
  };
  for (let round = 1; round <= rounds; round++) {
    log(`measuring, round ${round}/${rounds} (${fmt(segmentSeconds, 1)} s per route)`);
    await run(bare);
    const shift = (round - 1) % measured.length;
    for (const route of [...measured.slice(shift), ...measured.slice(0, shift)]) await run(route);
  }
  await run(bare);

  const bareSegments = segments.get(bare.key);
  const bareResult = { key: bare.key, label: bare.label, ...summarize(bareSegments) };
  const results = [
    bareResult,
    ...measured.map((route) => {
      const own = segments.get(route.key);
      const r = summarize(own);
      const around = (i) => [bareSegments[i], bareSegments[i + 1]];
      const roundThroughput = own.map((s, i) => s.rps / ((around(i)[0].rps + around(i)[1].rps) / 2));
      const roundP50 = own.map((s, i) => s.p50 / ((around(i)[0].p50 + around(i)[1].p50) / 2));
      return {
        key: route.key,
        alg: route.alg,
        label: route.label,
        ...r,
        throughputRatio: median(roundThroughput),
        p50Ratio: median(roundP50),
        roundThroughputRatios: roundThroughput,
      };
    }),
  ];

  const goalRows = results.filter((r) => GOAL_ALGS.includes(r.alg));
  const goalMet = goalRows.every((r) => r.throughputRatio >= GOAL_RATIO && r.errors === 0);
  const failed = results.filter((r) => r.ok === 0);
  const bareDrift = bareResult.segmentRps.length > 1 ? Math.max(...bareResult.segmentRps) / Math.min(...bareResult.segmentRps) - 1 : 0;

  const environment = {
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model?.trim(),
    loadAverageBefore: loadBefore,
    connections: opts.connections,
    secondsPerRoute: opts.duration,
    rounds,
    warmupSeconds,
  };

  if (opts.json) {
    console.log(
      JSON.stringify(
        {
          environment,
          goal: { description: `SSO URL with a live session >= ${GOAL_RATIO}x bare-route throughput for ${GOAL_ALGS.join(' and ')}`, met: goalMet },
          bareDrift,
          results,
        },
        null,
        2,
      ),
    );
  } else {
    const goalDetail = goalRows.map((r) => `${r.alg} ${fmt(r.throughputRatio, 2)}×${r.errors ? ` with ${r.errors} errors` : ''}`).join(', ');
    console.log(
      [
        '',
        `edge-sso benchmark: ${environment.cpus} CPU(s) (${environment.cpuModel}), Node ${environment.node}, ` +
          `${opts.connections} keep-alive connections, ${opts.duration} s per route in ${rounds} round(s), ${warmupSeconds} s warm-up each`,
        '',
        table(results),
        '',
        `Goal: the SSO URL with a live session reaches ≥ ${GOAL_RATIO}× the bare route's throughput with ${GOAL_ALGS.join(' and ')} (and no errors): ` +
          `${goalMet ? 'MET' : 'NOT MET'} (${goalDetail}).`,
        `Ratios: median over the ${rounds} rounds of the route against the mean of the bare-route segments just before and after it.`,
        `Bare route per segment: ${bareResult.segmentRps.map((r) => fmtInt(r)).join(' / ')} req/s (spread ${fmt(bareDrift * 100, 0)}%).`,
        // The run itself keeps every core busy, so only the load average from before it says anything.
        ...(bareDrift > 0.5 || loadBefore > environment.cpus / 2
          ? [
              `WARNING: noisy run (1-min load average ${fmt(loadBefore, 1)} on ${environment.cpus} CPUs before it started; ` +
                `bare route spread ${fmt(bareDrift * 100, 0)}%): rerun on an idle machine before trusting small differences.`,
            ]
          : []),
        ...(Number.isFinite(bareResult.serverCpuMsPerRequest)
          ? [
              'Server CPU ms/req: CPU time of wrangler, its proxy and workerd per request (from /proc); steadier than req/s on a busy machine. ' +
                `By it, ${measured
                  .filter((r) => r.alg)
                  .map((r) => {
                    const row = results.find((x) => x.key === r.key);
                    return `${r.alg} costs ${fmt(row.serverCpuMsPerRequest / bareResult.serverCpuMsPerRequest, 2)}×`;
                  })
                  .join(', ')} the bare route; ` +
                `the refresh grant ${fmt(results.find((x) => x.key === 'refresh').serverCpuMsPerRequest / bareResult.serverCpuMsPerRequest, 2)}× ` +
                `and userinfo ${fmt(results.find((x) => x.key === 'userinfo').serverCpuMsPerRequest / bareResult.serverCpuMsPerRequest, 2)}×.`,
            ]
          : []),
        'Note: `wrangler dev` puts a proxy in front of workerd and the load generator shares the same cores,',
        'so absolute numbers hold for this machine only; compare the ratios to the bare route.',
        '',
      ].join('\n'),
    );
  }

  return failed;
}

async function main() {
  const { vars } = ensureDevVars();
  const loadBefore = loadavg()[0];

  log(`applying migrations to ${relative(ROOT, persistTo)}`);
  applyMigrations({ persistTo });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  log(`starting wrangler dev on ${base}`);
  starting = startWorker({ port, persistTo, vars: { ISSUER: base } });
  await starting;

  log('creating a user and HS256/ES256/RS256 apps, signing in through the login form');
  const fixture = await setUpFixture(base, vars.ADMIN_API_TOKEN);
  const serverPid = (await starting).child.pid;
  const failed = opts.routes ? await routeTable(base, fixture, serverPid, loadBefore) : [];

  // Before the far-region mode, which restarts edge-sso with D1 latency.
  if (opts.openauth) {
    log('starting the OpenAuth 0.4.3 issuer (bench/openauth/) under wrangler dev');
    openauthStarting = startOpenAuth();
    const openauth = await openauthStarting;
    try {
      const edge = { base, pid: (await starting).child.pid, oidc: fixture.oidc, cookie: fixture.cookie };
      const rounds = Math.max(2, Math.min(6, Math.round(opts.duration)));
      const comparison = await compareRefresh(edge, openauth, { seconds: opts.duration, rounds, warmupSeconds: opts.quick ? 0.3 : 1, log });
      if (opts.json) console.log(JSON.stringify({ refreshVsOpenAuth: { loadAverageBefore: loadBefore, ...comparison } }, null, 2));
      else console.log(refreshComparisonText(comparison, loadBefore));
    } finally {
      openauthStarting = null;
      await openauth.stop();
    }
  }

  if (opts.d1Latency) {
    log(`far-region mode: restarting the worker with ${opts.d1Latency} ms added to every D1 call`);
    await (await starting).stop();
    starting = startWorker({ port, persistTo, vars: { ISSUER: base, DEV_D1_LATENCY_MS: String(opts.d1Latency) } });
    await starting;
    const far = await farRegion(base, fixture, { latencyMs: opts.d1Latency, adminToken: vars.ADMIN_API_TOKEN });
    if (opts.json) console.log(JSON.stringify({ farRegion: { latencyMs: opts.d1Latency, paths: far } }, null, 2));
    else {
      console.log(
        [
          `Far from the database: every D1 call waits ${opts.d1Latency} ms more (DEV_D1_LATENCY_MS), one request at a time, median of 5.`,
          '',
          farRegionTable(far, opts.d1Latency),
          '',
        ].join('\n'),
      );
    }
  }

  if (failed.length) {
    log(`failed entirely: ${failed.map((r) => r.label).join(', ')}`);
    return 1;
  }
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  if (!interrupted) console.error(`bench: ${error.message}`);
  code = 1;
} finally {
  await cleanup();
}
process.exit(code);

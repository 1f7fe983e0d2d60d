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
// Then a reference worker (./kv-probe.mjs) measures what one KV read costs under wrangler dev, so
// the goal line can also judge the SSO URL's cost beyond that read.
// `--d1-latency MS` then times each path of issue #19 with MS added to every D1 call (./far-region.mjs).
// `--openauth` then compares the refresh grant with OpenAuth 0.4.3's (./openauth.mjs); `--openauth-only` runs just that.
// The worker runs under `wrangler dev` with its own temporary persist dir, removed at the end.
// `wrangler dev` puts a Node proxy in front of workerd, and the load generator shares the
// machine's cores, so absolute numbers describe this machine only: compare the ratios.
import { rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { applyMigrations, ensureDevVars, freePort, ROOT, startWorker } from '../scripts/local-worker.mjs';
import { codeFlowTokens } from './flows.mjs';
import { farRegion, farRegionTable } from './far-region.mjs';
import { setUpFixture } from './fixture.mjs';
import { measureKvRead } from './kv-probe.mjs';
import { measure, median, summarize } from './measure.mjs';
import { fmt, judgeGoal, routeTableText } from './report.mjs';
import { preflight, routes } from './routes.mjs';
import { compareRefresh, refreshComparisonText, startOpenAuth } from './openauth.mjs';

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
  if (opts.quick && !opts.durationSet) opts.duration = 1.5;
  return opts;
}

function usage(error) {
  const text = [
    'Usage: npm run bench -- [--duration S] [--connections N] [--quick] [--json] [--d1-latency MS] [--openauth | --openauth-only]',
    '  --duration S     seconds of measurement per route (default 5; 1.5 with --quick)',
    '  --connections N  concurrent keep-alive connections (default 16)',
    '  --quick          a short run (1.5 s per route in 3 rounds, shorter warm-up)',
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

// --- Main -------------------------------------------------------------------------------------

/** Each route against the bare route: the table, and the goal line. Returns the routes that failed entirely. */
async function routeTable(base, fixture, serverPid, loadBefore) {
  // Short interleaved rounds: load from elsewhere on the machine hits the bare route and the
  // routes alike, and the per-round ratios' median shrugs off a stalled round (three rounds at
  // least, so that it is a median and not the mean of two).
  const rounds = Math.max(3, Math.min(10, Math.round(opts.duration)));
  const segmentSeconds = opts.duration / rounds;
  const warmupSeconds = opts.quick ? 0.3 : 1;
  log(`seeding ${opts.connections} refresh-token chains and a userinfo access token through the authorization code flow`);
  fixture.accessToken = (await codeFlowTokens(base, fixture.oidc, fixture.cookie)).access_token;
  const { bare, measured } = routes(base, fixture, opts.connections);
  for (const route of [bare, ...measured]) await preflight(route);

  const load = { seconds: 0, connections: opts.connections, serverPid };
  log(`warming up (${warmupSeconds} s per route, ${opts.connections} connections)`);
  // The bare route again last: its first measured segment should not pay for the garbage the
  // token routes' warm-up left behind (it came out a fifth slower than the later ones).
  for (const route of [bare, ...measured, bare]) {
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

  // What one KV read costs here, so the goal can be judged on the hot path's own work too.
  const kvRead = await measureKvRead({ seconds: opts.duration, rounds, warmupSeconds, connections: opts.connections, log });
  const goal = judgeGoal(results, bareResult, kvRead);
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

  if (opts.json) console.log(JSON.stringify({ environment, goal, bareDrift, results }, null, 2));
  else console.log(routeTableText({ environment, results, goal, bareDrift, opts }));

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

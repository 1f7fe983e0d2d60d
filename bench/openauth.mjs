// `npm run bench -- --openauth`: edge-sso's refresh grant side by side with OpenAuth 0.4.3's.
// Both run under `wrangler dev` on this machine: edge-sso as the bench started it, OpenAuth as the
// issuer in ./openauth/ (KV storage, the email-code provider). Against each server, CHAINS loops
// each follow their own refresh token: every request sends the token the previous response
// returned, as a client does. Segments alternate between the two servers (the order flipped each
// round), so load from elsewhere on the machine falls on both alike.
//
// What each refresh does: edge-sso rotates the token atomically in D1 (a replayed token revokes
// its family, also under parallel requests), authenticates the client (client_secret_basic),
// re-checks the user's access, and returns an ES256 id_token and access token. OpenAuth reads the
// token from KV, marks it used with a KV write, writes the next one, and signs an ES256 access
// token; KV has no compare-and-swap, so two requests racing with one token both succeed.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, ROOT, startWorker } from '../scripts/local-worker.mjs';
import { basicAuth, codeFlowTokens, REDIRECT, setCookies } from './flows.mjs';
import { quiesce } from './measure.mjs';
import { fmt } from './report.mjs';
import { cpuBetween, serverCpuByPid } from './server-cpu.mjs';

export const CHAINS = 8;
const OPENAUTH_CLIENT = 'bench-client';

/** Starts the OpenAuth issuer (its own persist dir); `stop()` ends it and removes the dir. */
export async function startOpenAuth() {
  const persistTo = join(ROOT, '.wrangler', `bench-openauth-${process.pid}`);
  const port = await freePort();
  try {
    const worker = await startWorker({ port, persistTo, config: join(ROOT, 'bench', 'openauth', 'wrangler.toml') });
    return {
      base: `http://127.0.0.1:${port}`,
      pid: worker.child.pid,
      stop: async () => {
        await worker.stop();
        rmSync(persistTo, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(persistTo, { recursive: true, force: true });
    throw error;
  }
}

/** A cookie jar for OpenAuth's encrypted state cookies (`authorization`, `provider`). */
function jar() {
  const cookies = {};
  return {
    take(res) {
      Object.assign(cookies, setCookies(res));
    },
    get header() {
      return Object.entries(cookies)
        .filter(([, value]) => value !== '')
        .map(([name, value]) => `${name}=${value}`)
        .join('; ');
    },
  };
}

async function expect(res, status, step) {
  const body = await res.text();
  if (res.status !== status) throw new Error(`OpenAuth ${step}: expected ${status}, got ${res.status} ${body.slice(0, 200)}`);
  return body;
}

/** OpenAuth's code flow over HTTP, as a browser and an app would drive it: the first refresh token of a new user. */
export async function openAuthRefreshToken(base) {
  const email = `bench-${randomBytes(6).toString('hex')}@example.com`;
  const cookies = jar();
  const go = async (path, init = {}) => {
    const res = await fetch(new URL(path, base), { ...init, redirect: 'manual', headers: { ...init.headers, cookie: cookies.header } });
    cookies.take(res);
    return res;
  };
  const form = (fields) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
  const authorize = `/authorize?${new URLSearchParams({ client_id: OPENAUTH_CLIENT, redirect_uri: REDIRECT, response_type: 'code', provider: 'code' })}`;
  const start = await go(authorize);
  await expect(start, 302, 'GET /authorize');
  await expect(await go(start.headers.get('location')), 200, 'GET /code/authorize');
  await expect(await go('/code/authorize', form({ action: 'request', email })), 200, 'POST /code/authorize (request)');
  const code = await expect(await fetch(new URL(`/bench/mailbox?email=${encodeURIComponent(email)}`, base)), 200, 'mailbox');
  const verified = await go('/code/authorize', form({ action: 'verify', code }));
  await expect(verified, 302, 'POST /code/authorize (verify)');
  const back = new URL(verified.headers.get('location'));
  const authCode = back.searchParams.get('code');
  if (!authCode) throw new Error(`OpenAuth POST /code/authorize (verify): redirected without a code: ${back.search}`);
  const token = await fetch(new URL('/token', base), form({ grant_type: 'authorization_code', code: authCode, redirect_uri: REDIRECT, client_id: OPENAUTH_CLIENT }));
  const tokens = JSON.parse(await expect(token, 200, 'POST /token (authorization_code)'));
  if (!tokens.refresh_token) throw new Error('OpenAuth POST /token: no refresh_token');
  return tokens.refresh_token;
}

/** The two servers' refresh grants: how to seed a chain, send its next refresh and read the next token. */
function servers(edge, openauth) {
  const form = 'application/x-www-form-urlencoded';
  return [
    {
      name: 'edge-sso',
      pid: edge.pid,
      seed: async () => (await codeFlowTokens(edge.base, edge.oidc, edge.cookie)).refresh_token,
      send: (token) =>
        fetch(`${edge.base}/oauth2/token`, {
          method: 'POST',
          headers: { authorization: basicAuth(edge.oidc), 'content-type': form },
          body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}`,
        }),
      next: (body) => (typeof body?.id_token === 'string' && typeof body?.access_token === 'string' ? body.refresh_token : undefined),
    },
    {
      name: 'OpenAuth',
      pid: openauth.pid,
      seed: () => openAuthRefreshToken(openauth.base),
      send: (token) =>
        fetch(`${openauth.base}/token`, {
          method: 'POST',
          headers: { 'content-type': form },
          body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}`,
        }),
      next: (body) => (typeof body?.access_token === 'string' ? body.refresh_token : undefined),
    },
  ];
}

/** CHAINS loops against one server for `seconds`; a chain whose request failed is re-seeded (untimed). */
async function segment(server, chains, seconds) {
  let ok = 0;
  let errors = 0;
  let seeding = 0; // ms spent re-seeding broken chains, left out of the elapsed time
  const cpuBefore = serverCpuByPid(server.pid);
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    chains.map(async (_, i) => {
      while (performance.now() < deadline) {
        if (!chains[i]) {
          const t = performance.now();
          chains[i] = await server.seed();
          seeding += (performance.now() - t) / CHAINS;
        }
        try {
          const res = await server.send(chains[i]);
          const next = res.status === 200 ? server.next(await res.json()) : (await res.arrayBuffer(), undefined);
          if (typeof next === 'string') ok++;
          else errors++;
          chains[i] = next ?? null;
        } catch {
          errors++;
          chains[i] = null;
        }
      }
    }),
  );
  const elapsed = (performance.now() - start - seeding) / 1000;
  return { ok, errors, elapsed, cpu: cpuBetween(cpuBefore, serverCpuByPid(server.pid)) };
}

/**
 * Runs the comparison: `seconds` per server in `rounds` alternating segments, after a short warm-up.
 * `edge`: { base, pid, oidc, cookie } of the bench's edge-sso worker; `openauth`: from startOpenAuth().
 */
export async function compareRefresh(edge, openauth, { seconds, rounds, warmupSeconds, log }) {
  const both = servers(edge, openauth);
  const state = new Map();
  for (const server of both) {
    log(`seeding ${CHAINS} refresh-token chains on ${server.name}`);
    const chains = [];
    for (let i = 0; i < CHAINS; i++) chains.push(await server.seed());
    state.set(server.name, { chains, segments: [] });
    await segment(server, chains, warmupSeconds);
  }
  for (let round = 0; round < rounds; round++) {
    log(`refresh comparison, round ${round + 1}/${rounds}`);
    for (const server of round % 2 ? [...both].reverse() : both) {
      const { chains, segments } = state.get(server.name);
      // Both idle first, as every segment of the route table (bench/measure.mjs): the other
      // server's left-over work would otherwise run on the cores this segment is measured on.
      await Promise.all(both.map((s) => quiesce(s.pid)));
      segments.push(await segment(server, chains, seconds / rounds));
    }
  }
  const totals = both.map((server) => {
    const { segments } = state.get(server.name);
    const ok = segments.reduce((n, s) => n + s.ok, 0);
    const errors = segments.reduce((n, s) => n + s.errors, 0);
    const elapsed = segments.reduce((n, s) => n + s.elapsed, 0);
    const cpu = segments.some((s) => s.cpu === null) ? NaN : segments.reduce((n, s) => n + s.cpu, 0);
    return { server: server.name, ok, errors, seconds: elapsed, rps: ok / elapsed, cpuMsPerRefresh: (cpu * 1000) / (ok + errors), roundRps: segments.map((s) => s.ok / s.elapsed) };
  });
  const [edgeResult, openauthResult] = totals;
  return { chains: CHAINS, rounds, edge: edgeResult, openauth: openauthResult, ratio: edgeResult.rps / openauthResult.rps };
}

export function refreshComparisonText(result, loadBefore) {
  const line = (r) =>
    `| ${r.server.padEnd(8)} | ${fmt(r.rps, 0).padStart(10)} | ${fmt(r.cpuMsPerRefresh, 2).padStart(17)} | ${String(r.errors).padStart(6)} | ${r.roundRps.map((x) => fmt(x, 0)).join(' / ')}`;
  return [
    `Refresh grant vs OpenAuth 0.4.3: ${result.chains} parallel chains per server, each rotating its own refresh token, ` +
      `${fmt(result.edge.seconds, 1)} s vs ${fmt(result.openauth.seconds, 1)} s in ${result.rounds} alternating rounds (1-min load average before: ${fmt(loadBefore, 2)}).`,
    '',
    '| server   | refreshes/s | server CPU ms/refresh | errors | per round',
    '|----------|-----------:|------------------:|------:|----------',
    line(result.edge),
    line(result.openauth),
    '',
    `edge-sso / OpenAuth: ${fmt(result.ratio, 2)}× the refreshes per second (goal ≥ 1.0×: ${result.ratio >= 1 && result.edge.errors === 0 ? 'MET' : 'NOT MET'}).`,
    '',
  ].join('\n');
}

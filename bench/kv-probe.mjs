// How much of the SSO URL's cost is the local KV simulator's: the route table's hot path reads the
// session from KV once, and under `wrangler dev` that read is a call into miniflare's KV simulator
// (another worker, a Durable Object, SQLite and a blob file), which production does not have.
// bench/kv-probe/ is a worker whose two routes differ by exactly that read (both write edge-sso's
// request log line). Measured the same way as the route table (16 keep-alive connections, rounds
// alternating the two routes), the difference in server CPU per request is what one KV read costs
// here; bench/report.mjs subtracts it from the SSO URL's cost to show the hot path's own.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, ROOT, startWorker } from '../scripts/local-worker.mjs';
import { measure, summarize } from './measure.mjs';

// A session record of the size edge-sso stores (profile claims, roles, apps).
const SESSION_LIKE = JSON.stringify({
  userId: '01JBENCH0000000000000000000',
  authTime: 1_780_000_000,
  amr: ['pwd'],
  hasFactor: false,
  mfaRequired: false,
  expiresAt: 1_780_086_400,
  profile: { email: 'bench-user@example.com', email_verified: true, name: 'Bench User', given_name: 'Bench', family_name: 'User' },
  roles: [],
  apps: ['bench-hs256', 'bench-es256', 'bench-rs256', 'bench-oidc'],
});

/** Starts the probe under `wrangler dev`, measures its two routes, stops it. Server CPU in ms per request. */
export async function measureKvRead({ seconds, rounds, warmupSeconds, connections, log }) {
  const persistTo = join(ROOT, '.wrangler', `bench-kv-probe-${process.pid}`);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  log(`starting the KV probe (bench/kv-probe/) under wrangler dev on ${base}`);
  const worker = await startWorker({ port, persistTo, config: join(ROOT, 'bench', 'kv-probe', 'wrangler.toml') });
  try {
    const put = await fetch(`${base}/kv`, { method: 'PUT', body: SESSION_LIKE });
    if (put.status !== 204) throw new Error(`KV probe: storing the record got HTTP ${put.status}`);
    const is200 = (res) => res.status === 200;
    const bare = { url: `${base}/healthz`, check: is200 };
    const kv = { url: `${base}/kv`, check: is200 };
    const load = { connections, serverPid: worker.child.pid };
    for (const route of [bare, kv, bare]) await measure(route, { ...load, seconds: warmupSeconds });
    const segments = { bare: [], kv: [] };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? ['kv', 'bare'] : ['bare', 'kv'];
      for (const key of order) segments[key].push(await measure(key === 'kv' ? kv : bare, { ...load, seconds: seconds / rounds }));
    }
    const [b, k] = [summarize(segments.bare), summarize(segments.kv)];
    if (k.errors || b.errors || !k.ok) throw new Error(`KV probe: ${k.errors + b.errors} failed requests`);
    return { bareCpuMs: b.serverCpuMsPerRequest, kvCpuMs: k.serverCpuMsPerRequest, kvReadCpuMs: k.serverCpuMsPerRequest - b.serverCpuMsPerRequest };
  } finally {
    await worker.stop();
    rmSync(persistTo, { recursive: true, force: true });
  }
}

// Load generation for the bench (bench/run.mjs): keep-alive request loops against one route for a
// while, and the figures of the segments measured for a route merged into one result.
import { cpuBetween, serverCpuByPid } from './server-cpu.mjs';

const MAX_REQUESTS_PER_SEGMENT = 2_000_000; // a hard stop besides the clock
const REQUEST_GRACE_MS = 10_000; // in-flight requests are aborted this long after a segment's end
const QUIET_CPU_SECONDS = 0.01; // the server used at most this much CPU in one QUIET_POLL_MS: it is idle
const QUIET_POLL_MS = 100;
const QUIET_MAX_MS = 3_000;

/**
 * Waits until the server is idle. Work a segment leaves behind (its log lines still being written,
 * garbage collection, the D1 simulator's writes) would otherwise be charged to the next segment:
 * a route measured just after the code exchange or the refresh grant paid for part of theirs.
 */
export async function quiesce(serverPid) {
  const deadline = performance.now() + QUIET_MAX_MS;
  let before = serverCpuByPid(serverPid);
  while (before && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, QUIET_POLL_MS));
    const after = serverCpuByPid(serverPid);
    if (cpuBetween(before, after) <= QUIET_CPU_SECONDS) return;
    before = after;
  }
}

/**
 * Runs `connections` request loops against `url` for `seconds` (bounded by count too).
 * `check(res)` says whether a response counts as a success. Latencies are in ms.
 */
export async function measure(route, { seconds, connections, serverPid }) {
  const { url, check } = route;
  await quiesce(serverPid);
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

export const median = (values) => {
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
export function summarize(segments) {
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

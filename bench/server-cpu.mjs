// Server CPU time, read from /proc: the steadier measure on a busy machine (bench/run.mjs, bench/openauth.mjs).
import { readdirSync, readFileSync } from 'node:fs';

// CPU seconds used by wrangler and everything under it (the proxy and the worker's workerd), read
// from /proc. Other load on the machine stretches wall-clock numbers but barely moves CPU time per
// request, so this is the steadier way to compare routes. Null where /proc is not available.
const CLOCK_TICKS = 100; // USER_HZ: 100 on every mainstream Linux

function procStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
    return { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS };
  } catch {
    return null;
  }
}

/** CPU seconds of each process in the tree under rootPid, by pid. */
export function serverCpuByPid(rootPid) {
  if (!rootPid || process.platform !== 'linux') return null;
  let entries;
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  const stats = new Map();
  for (const name of entries) {
    const stat = procStat(name);
    if (stat) stats.set(Number(name), stat);
  }
  if (!stats.has(rootPid)) return null;
  const tree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, { ppid }] of stats) if (!tree.has(pid) && tree.has(ppid)) grew = tree.add(pid);
  }
  return new Map([...tree].map((pid) => [pid, stats.get(pid).cpu]));
}

/** CPU seconds the tree used between two snapshots (a process that exited meanwhile is left out). */
export function cpuBetween(before, after) {
  if (!before || !after) return null;
  let total = 0;
  for (const [pid, cpu] of after) total += cpu - (before.get(pid) ?? 0);
  return total;
}

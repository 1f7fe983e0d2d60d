// `npm test`: the type check, the vitest projects (workers in workerd, e2e against wrangler dev
// and Chromium), then the Flask kit's and the Authlib example's own tests.
// The two vitest projects run side by side, as two vitest processes: e2e spends most of its time
// waiting for wrangler dev, Chromium and the peers, which leaves CPU for the workers project.
// The workers project's output streams live; e2e's is held and printed in one block after both
// end, so neither log is cut into the other. With arguments (`npm test -- <filters or options>`) there
// is one vitest process as before, given those arguments.
// Every step runs even after one fails, so a CI log shows all failures at once; the exit code is
// non-zero if any failed. The end of the output is a table of each suite's time.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const vitestArgs = process.argv.slice(2);
const vitest = (name, args, live) => ({ name, command: 'npx', args: ['vitest', 'run', ...args], live, timings: true });
const stages = [
  [{ name: 'type check', command: 'npx', args: ['tsc', '--noEmit'], live: true }],
  vitestArgs.length > 0
    ? [vitest('vitest', vitestArgs, true)]
    : [vitest('vitest workers', ['--project', 'workers'], true), vitest('vitest e2e', ['--project', 'e2e'], false)],
  [{ name: 'flask kit', command: '/usr/bin/python3', args: ['-m', 'unittest', 'discover', '-s', 'examples/flask/tests'], live: true }],
  [{ name: 'flask-oidc', command: '/usr/bin/python3', args: ['-m', 'unittest', 'discover', '-s', 'examples/flask-oidc/tests'], live: true }],
];

/** Runs one step; a live step's output goes straight to ours, another's is kept (`held`) for later. */
function run(step, index) {
  const timingsFile = join(tmpdir(), `edge-sso-test-timings-${process.pid}-${index}.json`);
  const header = `\n=== ${step.name}: ${[step.command, ...step.args].join(' ')}`;
  if (step.live) console.log(header);
  else console.log(`${header}\n    (runs alongside the step above; its output follows in one block when both end)`);
  const started = Date.now();
  const child = spawn(step.command, step.args, {
    stdio: step.live ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(step.timings ? { TEST_TIMINGS_FILE: timingsFile } : {}) },
  });
  const held = [];
  child.stdout?.on('data', (chunk) => held.push(chunk));
  child.stderr?.on('data', (chunk) => held.push(chunk));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      const seconds = Math.round((Date.now() - started) / 1000);
      const output = step.live ? '' : `${header}\n${Buffer.concat(held).toString()}=== end of ${step.name}\n`;
      resolve({ name: step.name, seconds, ok: code === 0, projects: step.timings ? readTimings(timingsFile) : [], output });
    });
  });
}

function readTimings(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return []; // vitest ended before its reporter wrote the figures; the step's own time still shows.
  } finally {
    rmSync(file, { force: true });
  }
}

const rows = [];
let total = 0;
let index = 0;
for (const stage of stages) {
  const started = Date.now();
  const results = await Promise.all(stage.map((step) => run(step, index++)));
  total += Math.round((Date.now() - started) / 1000);
  for (const r of results) if (r.output) process.stdout.write(r.output);
  rows.push(...results);
}

console.log('\nTest suite times:');
for (const r of rows) {
  console.log(`  ${r.ok ? 'ok  ' : 'FAIL'}  ${r.name.padEnd(14)} ${String(r.seconds).padStart(5)} s`);
  for (const p of r.projects) console.log(`          ${`- ${p.name}`.padEnd(14)} ${String(p.seconds).padStart(5)} s  (${p.files} files)`);
}
const note = vitestArgs.length > 0 ? '' : '  (wall clock: the two vitest steps ran side by side)';
console.log(`  total ${String(total).padStart(22)} s${note}`);
process.exit(rows.every((r) => r.ok) ? 0 : 1);

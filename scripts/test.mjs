// `npm test`: the type check, the vitest projects (workers in workerd, e2e against wrangler dev
// and Chromium), then the Flask kit's and the Authlib example's own tests.
// Every step runs even after one fails, so a CI log shows all failures at once; the exit code is
// non-zero if any failed. The end of the output is a table of each suite's time.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const timingsFile = join(tmpdir(), `edge-sso-test-timings-${process.pid}.json`);
const steps = [
  { name: 'type check', command: 'npx', args: ['tsc', '--noEmit'] },
  { name: 'vitest', command: 'npx', args: ['vitest', 'run', ...process.argv.slice(2)] },
  { name: 'flask kit', command: '/usr/bin/python3', args: ['-m', 'unittest', 'discover', '-s', 'examples/flask/tests'] },
  { name: 'flask-oidc', command: '/usr/bin/python3', args: ['-m', 'unittest', 'discover', '-s', 'examples/flask-oidc/tests'] },
];

const results = [];
for (const step of steps) {
  console.log(`\n=== ${step.name}: ${[step.command, ...step.args].join(' ')}`);
  const started = Date.now();
  const run = spawnSync(step.command, step.args, { stdio: 'inherit', env: { ...process.env, TEST_TIMINGS_FILE: timingsFile } });
  results.push({ name: step.name, seconds: Math.round((Date.now() - started) / 1000), ok: run.status === 0 });
}

let projects = [];
try {
  projects = JSON.parse(readFileSync(timingsFile, 'utf8'));
} catch {
  // vitest ended before its reporter wrote the figures; the step's own time still shows.
}
rmSync(timingsFile, { force: true });

console.log('\nTest suite times:');
for (const r of results) {
  console.log(`  ${r.ok ? 'ok  ' : 'FAIL'}  ${r.name.padEnd(12)} ${String(r.seconds).padStart(5)} s`);
  if (r.name === 'vitest') for (const p of projects) console.log(`          ${`- ${p.name}`.padEnd(12)} ${String(p.seconds).padStart(5)} s  (${p.files} files)`);
}
const total = results.reduce((sum, r) => sum + r.seconds, 0);
console.log(`  total ${String(total).padStart(18)} s`);
process.exit(results.every((r) => r.ok) ? 0 : 1);

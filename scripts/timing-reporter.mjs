// A vitest reporter that prints, at the end of a run, each project's wall time (its first test
// file's start to its last one's end; their spans may overlap) and its slowest files, so
// the cost of a suite is visible in every CI log. `npm test` (scripts/test.mjs) also collects
// the figures through TEST_TIMINGS_FILE to print them with the other suites' times.
import { writeFileSync } from 'node:fs';

/** @typedef {{ start: number, end: number, files: { path: string, ms: number }[] }} ProjectTimes */

/** @implements {import('vitest/node').Reporter} */
export default class TimingReporter {
  started = new Map();
  /** @type {Map<string, ProjectTimes>} */
  projects = new Map();

  /** @param {import('vitest/node').TestModule} module */
  onTestModuleStart(module) {
    this.started.set(module.moduleId, Date.now());
  }

  /** @param {import('vitest/node').TestModule} module */
  onTestModuleEnd(module) {
    const end = Date.now();
    const start = this.started.get(module.moduleId) ?? end;
    const name = module.project.name || 'default';
    const times = this.projects.get(name) ?? { start, end, files: [] };
    times.start = Math.min(times.start, start);
    times.end = Math.max(times.end, end);
    times.files.push({ path: module.relativeModuleId, ms: end - start });
    this.projects.set(name, times);
  }

  onTestRunEnd() {
    if (this.projects.size === 0) return;
    const rows = [...this.projects].map(([name, t]) => ({ name, seconds: Math.round((t.end - t.start) / 1000), files: t.files.length }));
    const lines = ['', "Suite times (wall clock from each project's first file to its last):"];
    for (const [name, t] of this.projects) {
      lines.push(`  ${name.padEnd(10)} ${String(Math.round((t.end - t.start) / 1000)).padStart(5)} s  ${t.files.length} files`);
      const slowest = [...t.files].sort((a, b) => b.ms - a.ms).slice(0, 5);
      for (const f of slowest) lines.push(`      ${String(Math.round(f.ms / 1000)).padStart(4)} s  ${f.path}`);
    }
    console.log(lines.join('\n'));
    if (process.env.TEST_TIMINGS_FILE) writeFileSync(process.env.TEST_TIMINGS_FILE, JSON.stringify(rows));
  }
}

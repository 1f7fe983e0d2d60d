// Reusable pieces for the end-to-end browser tests (vitest project "e2e", Node environment):
// a real `wrangler dev` worker on a throw-away D1/KV directory, the Flask demo app of
// examples/flask, and Debian's headless Chromium driven by playwright-core.
//
// Every process started here is tracked, so `stopAll()` (call it in afterAll) ends them even
// when a test failed half-way, and a process-exit hook kills any that are left. Each process
// keeps its output, and `withDiagnostics()` appends that output to a failing step's error so a
// CI failure can be read without re-running it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core';
// @ts-ignore -- plain ESM script without type declarations (shared with `npm run dev`)
import * as localWorker from '../../scripts/local-worker.mjs';

// --- the shared local-worker helpers, typed ----------------------------------------------------

export type AdminApi = <T = any>(method: string, path: string, body?: unknown) => Promise<T>;

interface StartedWorker {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

const lw = localWorker as {
  ROOT: string;
  ensureDevVars(): { vars: Record<string, string>; created: boolean };
  applyMigrations(options?: { persistTo?: string }): string;
  startWorker(options: { port: number; persistTo?: string; vars?: Record<string, string> }): Promise<StartedWorker>;
  adminClient(baseUrl: string, token: string): AdminApi;
  freePort(): Promise<number>;
  waitFor(url: string, options?: { timeoutMs?: number; child?: ChildProcess }): Promise<void>;
};

export const ROOT = lw.ROOT;
export const freePort = lw.freePort;
export const waitFor = lw.waitFor;

// --- process tracking and diagnostics --------------------------------------------------------

/** Something started for a test: a name, its captured output, and how to stop it. */
export interface Running {
  name: string;
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<Running>();
const children = new Set<ChildProcess>();

process.once('exit', () => {
  // Last resort (e.g. the test runner is torn down without afterAll): no orphans left behind.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

export function track<T extends Running>(item: T, child?: ChildProcess): T {
  running.add(item);
  if (child) {
    children.add(child);
    child.once('exit', () => children.delete(child));
  }
  const stop = item.stop.bind(item);
  let stopping: Promise<void> | undefined;
  item.stop = () => {
    stopping ??= stop().finally(() => running.delete(item));
    return stopping;
  };
  return item;
}

/** Stops everything started through this module that is still running (newest first). */
export async function stopAll(): Promise<void> {
  const errors: unknown[] = [];
  for (const item of [...running].reverse()) {
    try {
      await item.stop();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length) throw new AggregateError(errors, 'stopping the e2e processes failed');
}

const tail = (text: string, max = 6000) => (text.length > max ? `…(${text.length - max} earlier characters cut)\n${text.slice(-max)}` : text);

/** The recent output of every process still tracked (or of `sources`), for an error message. */
export function diagnostics(sources: Iterable<Running> = running, extra: Record<string, string> = {}): string {
  const parts = [...sources].map((s) => `--- ${s.name} output ---\n${tail(s.output()) || '(none)'}`);
  for (const [name, text] of Object.entries(extra)) parts.push(`--- ${name} ---\n${tail(text) || '(none)'}`);
  return parts.join('\n');
}

/** Runs `fn`; if it throws, rethrows with the processes' output (and `extra()`) appended to the message. */
export async function withDiagnostics<T>(
  fn: () => Promise<T>,
  options: { sources?: () => Iterable<Running>; extra?: () => Record<string, string> } = {},
): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    let report: string;
    try {
      report = diagnostics(options.sources?.() ?? running, options.extra?.() ?? {});
    } catch (reportError) {
      report = `(collecting diagnostics failed: ${String(reportError)})`;
    }
    err.message = `${err.message}\n\n${report}`;
    throw err;
  }
}

export function captureOutput(child: ChildProcess): () => string {
  let output = '';
  const add = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => output;
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    killer.unref();
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

// --- the worker --------------------------------------------------------------------------------

export interface LocalWorker extends Running {
  /** http://localhost:<port>: also the `iss` of every token (ISSUER is set to it). */
  url: string;
  port: number;
  adminToken: string;
  api: AdminApi;
  /** The throw-away directory holding this worker's D1 and KV (removed by stop() unless keepState). */
  persistTo: string;
  /** Set before stop() to keep the D1 and KV for a restart (startLocalWorker({ restartOf })). */
  keepState?: boolean;
}

/**
 * Fills persistTo with a D1 database that has every migration applied, copied from a template
 * made once per set of migrations. `wrangler d1 migrations apply` takes 20-50 s on a busy 2-core
 * machine, and each e2e file starts at least one worker; a copy takes milliseconds. The template
 * is built under a temporary name and renamed, so two processes never see half of one.
 */
function copyMigratedDatabase(persistTo: string): void {
  const migrationsDir = join(ROOT, 'migrations');
  const digest = createHash('sha256');
  for (const name of readdirSync(migrationsDir).filter((n) => n.endsWith('.sql')).sort()) {
    digest.update(name).update(readFileSync(join(migrationsDir, name)));
  }
  const template = join(ROOT, '.wrangler', `e2e-template-${digest.digest('hex').slice(0, 16)}`);
  if (!existsSync(template)) {
    const building = `${template}.building-${process.pid}-${randomBytes(4).toString('hex')}`;
    mkdirSync(building, { recursive: true });
    try {
      lw.applyMigrations({ persistTo: building });
      renameSync(building, template);
    } catch (error) {
      rmSync(building, { recursive: true, force: true });
      if (!existsSync(template)) throw error; // another process won the race: use its template
    }
  }
  cpSync(template, persistTo, { recursive: true });
}

/**
 * Starts `wrangler dev` on a free port with its own D1/KV under `.wrangler/e2e-<pid>-<n>`
 * (migrations applied first), ISSUER set to its URL. stop() ends it and removes the directory.
 */
let workerCount = 0;
export async function startLocalWorker(options: { vars?: Record<string, string>; restartOf?: LocalWorker } = {}): Promise<LocalWorker> {
  const { vars: devVars } = lw.ensureDevVars();
  const adminToken = devVars.ADMIN_API_TOKEN;
  if (!adminToken) throw new Error('.dev.vars has no ADMIN_API_TOKEN');
  // restartOf: the same D1 and KV as a stopped worker (a restart, e.g. with other secrets); the
  // directory is then removed only by a stop() with keepState false (the default).
  const persistTo = options.restartOf?.persistTo ?? join(ROOT, '.wrangler', `e2e-${process.pid}-${++workerCount}`);
  if (!options.restartOf) {
    rmSync(persistTo, { recursive: true, force: true });
    mkdirSync(persistTo, { recursive: true });
  }
  const removeDir = () => rmSync(persistTo, { recursive: true, force: true });
  let started: StartedWorker;
  try {
    if (!options.restartOf) copyMigratedDatabase(persistTo);
    const port = await freePort();
    started = await lw.startWorker({ port, persistTo, vars: { ISSUER: `http://localhost:${port}`, ...options.vars } });
  } catch (error) {
    removeDir();
    throw error;
  }
  const port = Number(new URL(started.url).port);
  const worker: LocalWorker = {
    name: `wrangler dev (${started.url})`,
    url: started.url,
    port,
    adminToken,
    api: lw.adminClient(started.url, adminToken),
    persistTo,
    output: () => started.output(),
    stop: async () => {
      try {
        await started.stop();
      } finally {
        if (!worker.keepState) removeDir();
      }
    },
  };
  return track(worker, started.child);
}

// --- the Flask demo ------------------------------------------------------------------------------

export const PYTHON = '/usr/bin/python3';
const FLASK_APP = join(ROOT, 'examples', 'flask', 'app.py');
const PYTHON_PACKAGES = 'apt-get install -y python3-flask python3-jwt python3-cryptography';

let pythonChecked = false;
/** Throws a clear error when Debian's python3 or the Flask kit's packages are missing. */
export function requirePythonDeps(): void {
  if (pythonChecked) return;
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: the Flask demo needs Debian's python3 (${PYTHON_PACKAGES}).`);
  const check = spawnSync(PYTHON, ['-c', 'import flask, jwt, cryptography'], { encoding: 'utf8' });
  if (check.status !== 0) {
    throw new Error(`${PYTHON} cannot import flask, jwt and cryptography (${PYTHON_PACKAGES}):\n${check.stderr}`);
  }
  pythonChecked = true;
}

export interface FlaskDemo extends Running {
  /** http://localhost:<port>: browse here so the host matches the registered redirect URLs. */
  url: string;
  port: number;
}

export interface FlaskDemoOptions {
  issuer: string;
  clientId: string;
  /** HS256 only. */
  clientSecret?: string;
  algorithm: 'HS256' | 'RS256' | 'ES256';
  /** A free port is picked when omitted. */
  port?: number;
  env?: Record<string, string>;
}

/** Starts `examples/flask/app.py` on 127.0.0.1:<port> and resolves once it answers. */
export async function startFlaskDemo(options: FlaskDemoOptions): Promise<FlaskDemo> {
  requirePythonDeps();
  const port = options.port ?? (await freePort());
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    EDGE_SSO_ISSUER: options.issuer,
    EDGE_SSO_CLIENT_ID: options.clientId,
    EDGE_SSO_ALGORITHM: options.algorithm,
    FLASK_SECRET_KEY: randomBytes(32).toString('hex'),
    HOST: '127.0.0.1',
    PORT: String(port),
    ...(options.clientSecret ? { EDGE_SSO_CLIENT_SECRET: options.clientSecret } : {}),
    ...options.env,
  };
  const child = spawn(PYTHON, [FLASK_APP], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = captureOutput(child);
  const url = `http://localhost:${port}`;
  const demo = track<FlaskDemo>(
    { name: `Flask demo (${url}, ${options.algorithm}, client ${options.clientId})`, url, port, output, stop: () => stopChild(child) },
    child,
  );
  try {
    await waitFor(`http://127.0.0.1:${port}/`, { child, timeoutMs: 30_000 });
  } catch (error) {
    await demo.stop();
    throw new Error(`the Flask demo did not start: ${(error as Error).message}\n--- Flask output ---\n${output()}`);
  }
  return demo;
}

// --- a stand-in application ---------------------------------------------------------------------

export interface StubApp extends Running {
  /** http://localhost:<port> */
  url: string;
  port: number;
  /** Every request's path and query, in order. */
  requests: string[];
}

/**
 * A minimal HTTP server on 127.0.0.1:<port> answering every request with `body` (text/plain):
 * somewhere for a redirect to land. Playwright cannot route the request a redirect leads to
 * (its interception sees only the first request of a chain), so a real listener is needed.
 */
export async function startStubApp(options: { port?: number; body?: string } = {}): Promise<StubApp> {
  const port = options.port ?? (await freePort());
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(options.body ?? 'app');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const url = `http://localhost:${port}`;
  return track<StubApp>({
    name: `stub app (${url})`,
    url,
    port,
    requests,
    output: () => requests.join('\n'),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

// --- Chromium ----------------------------------------------------------------------------------

export const CHROMIUM_PATH = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

/** Launches headless Chromium; throws (so the test fails, never skips) when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: the e2e tests drive a real browser. ` +
        'Install it with `apt-get install -y chromium` (or set E2E_CHROMIUM to another Chromium binary).',
    );
  }
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 60_000 });
  } catch (error) {
    throw new Error(`launching ${CHROMIUM_PATH} failed: ${(error as Error).message}`);
  }
  track({
    name: `Chromium (${CHROMIUM_PATH})`,
    output: () => '',
    stop: async () => {
      if (browser.isConnected()) await browser.close();
    },
  });
  return browser;
}

/** What a page did: every request and main-frame navigation URL, POSTs with bodies, console lines and errors. */
export interface PageRecorder {
  /** Every URL requested (any resource) or navigated to by the main frame, in order. */
  urls: string[];
  requests: { method: string; url: string; postData: string | null; origin?: string; status?: number }[];
  console: string[];
  /** The recorder as text, for an error message. */
  text(): string;
}

export function recordPage(page: Page): PageRecorder {
  const recorder: PageRecorder = {
    urls: [],
    requests: [],
    console: [],
    text: () =>
      [
        'requests:',
        ...recorder.requests.map(
          (r) =>
            `  ${r.method} ${r.url} -> ${r.status ?? '(no response)'}` +
            (r.method !== 'GET' ? `  [Origin: ${r.origin ?? '(none)'}; body ${r.postData?.length ?? 0} chars]` : ''),
        ),
        'console:',
        ...recorder.console.map((line) => `  ${line}`),
      ].join('\n'),
  };
  const entries = new WeakMap<object, PageRecorder['requests'][number]>();
  page.on('request', (request) => {
    const entry = { method: request.method(), url: request.url(), postData: request.postData(), origin: request.headers().origin };
    entries.set(request, entry);
    recorder.urls.push(request.url());
    recorder.requests.push(entry);
  });
  page.on('response', (response) => {
    const entry = entries.get(response.request());
    if (entry) entry.status = response.status();
  });
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) recorder.urls.push(frame.url());
  });
  page.on('console', (message) => recorder.console.push(`[${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => recorder.console.push(`[pageerror] ${error.message}`));
  return recorder;
}

/**
 * Runs `action` (a click, a goto…) and waits until the main frame is at `target`. Fails early,
 * instead of at the timeout, when a page on the way answers >= 400 or throws a script error:
 * then the error says which page did.
 */
export async function arriveAt(
  page: Page,
  target: string | RegExp | ((url: URL) => boolean),
  action?: () => Promise<unknown>,
  { timeout = 30_000 }: { timeout?: number } = {},
): Promise<void> {
  let onResponse!: (response: Response) => void;
  let onPageError!: (error: Error) => void;
  const failure = new Promise<never>((_, reject) => {
    onResponse = (response) => {
      const request = response.request();
      if (request.isNavigationRequest() && request.frame() === page.mainFrame() && response.status() >= 400) {
        reject(new Error(`on the way to ${String(target)}, ${request.method()} ${response.url()} answered ${response.status()}`));
      }
    };
    onPageError = (error) => reject(new Error(`on the way to ${String(target)}, a script on ${page.url()} failed: ${error.message}`));
  });
  failure.catch(() => undefined);
  page.on('response', onResponse);
  page.on('pageerror', onPageError);
  try {
    const arrived = page.waitForURL(target, { timeout });
    arrived.catch(() => undefined);
    if (action) await action();
    await Promise.race([arrived, failure]);
  } finally {
    page.off('response', onResponse);
    page.off('pageerror', onPageError);
  }
}

/** A fresh context (own cookies) and page; the context is closed by the returned close(). */
export async function newPage(browser: Browser): Promise<{ context: BrowserContext; page: Page; recorder: PageRecorder; close(): Promise<void> }> {
  const context = await browser.newContext();
  context.setDefaultTimeout(20_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  const recorder = recordPage(page);
  return { context, page, recorder, close: () => context.close().catch(() => undefined) };
}

/** The current page as text for an error message: URL, title and the start of its body text. */
export async function describePage(page: Page): Promise<string> {
  try {
    const body = await page.locator('body').innerText({ timeout: 2000 });
    return `url: ${page.url()}\ntitle: ${await page.title()}\nbody:\n${tail(body, 2000)}`;
  } catch (error) {
    return `url: ${page.url()} (page text unavailable: ${(error as Error).message})`;
  }
}

// Runs the worker locally with wrangler (workerd, with embedded D1 and KV): shared by
// `npm run dev`, `npm run bench` and the end-to-end tests.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const DEV_VARS = join(ROOT, '.dev.vars');
// Read at each spawn, so a test can set e.g. NODE_EXTRA_CA_CERTS (a CA workerd should trust) first.
// Nothing local reaches the internet: no metrics or error reports, no banner (whose npm update check
// prints getaddrinfo ENOTFOUND offline), and no download of the request.cf fixture.
const quietEnv = () => ({
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  CI: process.env.CI ?? '',
  NO_COLOR: '1',
});

// Hex: a base64url value starts with "-" one time in 64, and `--token "$TOKEN"` then reads as an option.
const secret = () => randomBytes(32).toString('hex');

/** Makes sure .dev.vars holds the secrets the worker needs, generating any that are missing. */
export function ensureDevVars() {
  const vars = existsSync(DEV_VARS) ? parseVars(readFileSync(DEV_VARS, 'utf8')) : {};
  const missing = { ADMIN_API_TOKEN: secret, KEY_ENCRYPTION_KEY: secret };
  let created = false;
  for (const [name, make] of Object.entries(missing)) {
    if (vars[name]) continue;
    vars[name] = make();
    appendFileSync(DEV_VARS, `${name}=${vars[name]}\n`, { mode: 0o600 });
    created = true;
  }
  return { vars, created };
}

function parseVars(text) {
  const vars = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*"?(.*?)"?\s*$/.exec(line);
    if (m) vars[m[1]] = m[2];
  }
  return vars;
}

function persistArgs(persistTo) {
  return persistTo ? ['--persist-to', persistTo] : [];
}

/** Applies migrations/ to the local D1 database (`wrangler d1 migrations apply --local`). */
export function applyMigrations({ persistTo } = {}) {
  const result = spawnSync(process.execPath, [WRANGLER, 'd1', 'migrations', 'apply', 'DB', '--local', ...persistArgs(persistTo)], {
    cwd: ROOT,
    env: quietEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) throw new Error(`wrangler d1 migrations apply failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function waitFor(url, { timeoutMs = 60_000, child } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`process exited with ${child.exitCode} before ${url} answered`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

/**
 * Starts `wrangler dev` on `port` and resolves once /healthz answers.
 * `inherit: true` shows wrangler's own output (for `npm run dev`); otherwise it is kept for errors.
 * `config`: another worker's wrangler.toml (the bench's OpenAuth issuer); edge-sso's by default.
 * `inspectorPort`: where DevTools (bench/profile.mjs) may connect to workerd.
 */
export async function startWorker({ port, persistTo, vars = {}, inherit = false, config, inspectorPort } = {}) {
  const args = [WRANGLER, 'dev', '--port', String(port), '--ip', '127.0.0.1', ...persistArgs(persistTo), '--show-interactive-dev-session=false'];
  if (config) args.push('--config', config);
  if (inspectorPort) args.push('--inspector-port', String(inspectorPort));
  for (const [name, value] of Object.entries(vars)) args.push('--var', `${name}:${value}`);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: quietEnv(),
    stdio: inherit ? ['inherit', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
  });
  // Kept for error messages, the last 64 KiB only: under load wrangler prints a line per request.
  let output = '';
  const keep = (d) => (output = (output + d).slice(-65_536));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://localhost:${port}`;
  try {
    await waitFor(`http://127.0.0.1:${port}/healthz`, { child });
  } catch (error) {
    child.kill('SIGTERM');
    throw new Error(`${error.message}\n--- wrangler output ---\n${output}`);
  }
  return {
    url,
    child,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** A small client for the admin API of a running worker. */
export function adminClient(baseUrl, token) {
  return async function adminApi(method, path, body) {
    const res = await fetch(`${baseUrl}/api/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const error = new Error(`${method} ${path}: ${res.status} ${data?.message ?? text}`);
      error.status = res.status;
      error.body = data;
      throw error;
    }
    return data;
  };
}

// Pieces the OIDC interop tests share: the Authlib Flask RP of examples/flask-oidc, a Chromium
// sign-in at edge-sso's login page, and the test user.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { arriveAt, freePort, PYTHON, ROOT, waitFor, type Running } from './support';

export const testUser = () => ({
  email: `oidc-${randomBytes(4).toString('hex')}@example.com`,
  password: randomBytes(12).toString('base64url'),
  name: 'Olive Interop',
  given_name: 'Olive',
  family_name: 'Interop',
  groups: ['staff', 'oidc-testers'],
  email_verified: true,
});

export type TestUser = ReturnType<typeof testUser>;

/** On edge-sso's login page (already navigated to): sign in, and wait until the browser reaches `target`. */
export async function signInAtLoginPage(page: Page, issuer: string, user: TestUser, target: Parameters<typeof arriveAt>[1]): Promise<void> {
  await expect.poll(() => new URL(page.url()).origin + new URL(page.url()).pathname).toBe(`${issuer}/login`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await arriveAt(page, target, () => page.getByRole('button', { name: 'Sign in' }).click());
}

const AUTHLIB_PACKAGES = 'apt-get install -y python3-authlib python3-requests python3-flask';

/** Throws a clear error when Debian's python3 cannot import Authlib, requests and Flask. */
export function requireAuthlib(): void {
  const check = spawnSync(PYTHON, ['-c', 'import authlib, requests, flask'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`${PYTHON} cannot import authlib, requests and flask (${AUTHLIB_PACKAGES}):\n${check.stderr ?? check.error}`);
}

export interface FlaskOidcApp extends Running {
  /** http://localhost:<port> */
  url: string;
  port: number;
}

/** Starts examples/flask-oidc/app.py on 127.0.0.1:<port> and resolves once it answers. */
export async function startFlaskOidc(options: { issuer: string; clientId: string; clientSecret?: string; authMethod?: string; port?: number }): Promise<FlaskOidcApp> {
  requireAuthlib();
  const port = options.port ?? (await freePort());
  const child = spawn(PYTHON, [join(ROOT, 'examples', 'flask-oidc', 'app.py')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      EDGE_SSO_ISSUER: options.issuer,
      EDGE_SSO_CLIENT_ID: options.clientId,
      ...(options.clientSecret ? { EDGE_SSO_CLIENT_SECRET: options.clientSecret } : {}),
      ...(options.authMethod ? { EDGE_SSO_AUTH_METHOD: options.authMethod } : {}),
      FLASK_SECRET_KEY: randomBytes(32).toString('hex'),
      HOST: '127.0.0.1',
      PORT: String(port),
    },
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(killer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  process.once('exit', () => child.exitCode === null && child.kill('SIGKILL'));
  const url = `http://localhost:${port}`;
  try {
    await waitFor(`http://127.0.0.1:${port}/`, { child, timeoutMs: 30_000 });
  } catch (error) {
    await stop();
    throw new Error(`the Flask OIDC app did not start: ${(error as Error).message}\n--- its output ---\n${output}`);
  }
  return { name: `Flask OIDC app (${url}, client ${options.clientId})`, url, port, output: () => output, stop };
}

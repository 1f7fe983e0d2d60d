// `npm run deploy` refuses a deployment whose ISSUER is empty (issue #8, item 11): it would make
// every token's `iss` follow the request's Host header. Runs the real script with Node.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-ignore -- plain ESM script without type declarations
import * as deployScript from '../../scripts/deploy.mjs';

const { issuerProblem, resolveDeploy, tomlTableValue } = deployScript as {
  issuerProblem(issuer: string | undefined): string | null;
  resolveDeploy(args: string[], env: Record<string, string | undefined>, read: (file: string) => string): { issuer: string; source: string; args: string[] };
  tomlTableValue(toml: string, table: string, key: string): string | undefined;
};

const ROOT = new URL('../..', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'edge-sso-deploy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function runDeploy(args: string[], env: Record<string, string> = {}) {
  const { ISSUER: _ignored, ...inherited } = process.env;
  return spawnSync(process.execPath, [join(ROOT, 'scripts/deploy.mjs'), ...args], { cwd: ROOT, env: { ...inherited, ...env }, encoding: 'utf8', timeout: 120_000 });
}

function configWith(issuerLine: string): string {
  const file = join(scratch, `wrangler-${Math.random().toString(36).slice(2)}.toml`);
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8').replace(/^ISSUER = .*$/m, issuerLine);
  writeFileSync(file, toml);
  return file;
}

describe('npm run deploy', () => {
  it('refuses an empty ISSUER, says why and how to fix it, and never runs wrangler', () => {
    const config = configWith('ISSUER = ""');
    const result = runDeploy(['--config', config]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('refusing to deploy');
    expect(result.stderr).toContain('ISSUER is empty');
    expect(result.stderr).toContain(`(read from ${config} [vars])`);
    expect(result.stderr).toContain('in wrangler.toml, under [vars]');
    expect(result.stderr).toContain('ISSUER = "https://sso.example.com"');
    expect(result.stdout).not.toMatch(/wrangler|Uploaded|Total Upload/i);
  });

  it('refuses an ISSUER that is not an https origin', () => {
    for (const value of ['http://sso.example.com', 'https://sso.example.com/path', 'not a url', '   ']) {
      const result = runDeploy(['--config', configWith(`ISSUER = "${value}"`)]);
      expect(result.status, value).toBe(1);
      expect(result.stderr, value).toContain('refusing to deploy');
    }
  });

  it('with ISSUER given in the environment, passes it to wrangler deploy (checked with --dry-run)', () => {
    const result = runDeploy(['--dry-run', '--outdir', join(scratch, 'dist')], { ISSUER: 'https://sso.example.com' });
    expect(result.stdout + result.stderr).toContain('ISSUER is https://sso.example.com (from the ISSUER environment variable)');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/ISSUER.*https:\/\/sso\.example\.com/s);
    expect(result.stdout + result.stderr).toMatch(/--dry-run: exiting now/);
  });

  it('reads ISSUER from [vars], or [env.<name>.vars] with --env, and prefers --var and the environment', () => {
    const toml = ['name = "x"', '[vars]', 'ISSUER = "https://a.example"  # main', '[env.staging.vars]', "ISSUER = 'https://b.example'", '[other]', 'ISSUER = "https://c.example"'].join('\n');
    const read = () => toml;
    expect(tomlTableValue(toml, 'vars', 'ISSUER')).toBe('https://a.example');
    expect(resolveDeploy([], {}, read).issuer).toBe('https://a.example');
    expect(resolveDeploy(['--env', 'staging'], {}, read).issuer).toBe('https://b.example');
    expect(resolveDeploy(['--env', 'prod'], {}, read).issuer).toBe('');
    expect(resolveDeploy([], { ISSUER: 'https://env.example' }, read)).toMatchObject({ issuer: 'https://env.example', args: ['--var', 'ISSUER:https://env.example'] });
    expect(resolveDeploy(['--var', 'ISSUER:https://arg.example'], { ISSUER: 'https://env.example' }, read).issuer).toBe('https://arg.example');
  });

  it('accepts an https origin, with or without a trailing slash, and nothing else', () => {
    expect(issuerProblem('https://sso.example.com')).toBeNull();
    expect(issuerProblem('https://sso.example.com/')).toBeNull();
    expect(issuerProblem('https://sso.example.com:8443')).toBeNull();
    expect(issuerProblem('')).toMatch(/ISSUER is empty/);
    expect(issuerProblem(undefined)).toMatch(/ISSUER is empty/);
    expect(issuerProblem('http://sso.example.com')).toMatch(/https/);
    expect(issuerProblem('https://u:p@sso.example.com')).toMatch(/origin only/);
    expect(issuerProblem('https://sso.example.com/?x=1')).toMatch(/origin only/);
  });
});

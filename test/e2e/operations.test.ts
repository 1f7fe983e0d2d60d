// Running edge-sso for years, end to end against wrangler dev (README, "Operations"):
// 1. a key-encryption-key rotation across restarts: the previous key present, re-encryption, then
//    the previous key removed and nothing lost;
// 2. an export from that deployment imported into a second one with its own state;
// 3. users imported with real bcrypt, PBKDF2 and Argon2id hashes made by other software (Debian's
//    python3-bcrypt and python3-argon2, hashlib through scripts/keycloak-to-phc.mjs) signing in;
// 4. the figures (API and dashboard) equal the sign-ins this test made.
// Sign-ins go through the real login form with a cookie jar (no browser needed for these).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PYTHON, ROOT, startLocalWorker, stopAll, withDiagnostics, type LocalWorker } from './support';

const KEK_1 = randomBytes(32).toString('base64url');
const KEK_2 = randomBytes(32).toString('base64url');
const PASSWORD = 'correct horse battery';
const PASSPHRASE = 'a long export passphrase for the test';
const work = mkdtempSync(join(tmpdir(), 'edge-sso-ops-'));

/** Signs in through the login form and returns where the browser is sent (the app, with its token). */
async function signIn(worker: LocalWorker, path: string, email: string, password: string): Promise<{ status: number; location: string; cookies: string }> {
  const jar = new Map<string, string>();
  const go = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(new URL(url, worker.url), { redirect: 'manual', ...init, headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return res;
  };
  let res = await go(path);
  expect(res.status).toBe(303);
  const login = await go(res.headers.get('location')!);
  const html = await login.text();
  const form = new URLSearchParams({ email, password });
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) form.set(m[1]!, m[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"'));
  res = await go('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: worker.url }, body: form });
  if (res.status !== 303) return { status: res.status, location: '', cookies: '' };
  res = await go(res.headers.get('location')!);
  return { status: res.status, location: res.headers.get('location') ?? '', cookies: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
}

const idToken = (location: string) => new URL(location).searchParams.get('id_token') ?? '';
const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string; email: string };

function python(code: string): string {
  const run = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`python3 failed (apt-get install -y python3-bcrypt python3-argon2):\n${run.stderr}`);
  return run.stdout.trim();
}

function cli(worker: LocalWorker, args: string[], stdin: string): string {
  // `--token=…` in one argument: a generated token may begin with "-" (base64url), which
  // parseArgs would refuse as a separate value ("argument is ambiguous").
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'cli.mjs'), ...args, `--url=${worker.url}`, `--token=${worker.adminToken}`], { input: stdin, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`cli ${args.join(' ')} failed:\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

describe('operations', { timeout: 600_000 }, () => {
  let a: LocalWorker;
  let b: LocalWorker;
  let clientId = '';
  let clientSecret = '';
  const redirect = 'http://localhost:9/callback';
  const alice = { email: 'alice@example.com', id: '' };

  afterAll(async () => {
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  });

  it('rotates the key-encryption key across restarts: previous key present, re-encrypted, previous key removed', () =>
    withDiagnostics(async () => {
      a = await startLocalWorker({ vars: { KEY_ENCRYPTION_KEY: KEK_1 } });
      const app = await a.api('POST', '/apps', { name: 'Moved app', redirect_urls: [redirect] });
      clientId = app.client_id;
      clientSecret = app.client_secret;
      alice.id = (await a.api('POST', '/users', { email: alice.email, password: PASSWORD, name: 'Alice' })).id;
      expect((await a.api('GET', '/encryption')).remaining).toBe(0);

      a.keepState = true;
      await a.stop();
      a = await startLocalWorker({ restartOf: a, vars: { KEY_ENCRYPTION_KEY: KEK_2, KEY_ENCRYPTION_KEY_PREVIOUS: KEK_1 } });
      const during = await a.api('GET', '/encryption');
      expect(during.previous_key_configured).toBe(true);
      expect(during.remaining).toBeGreaterThanOrEqual(3); // the app secret and the RS256 and ES256 private keys
      // Everything still works while rotating: the previous key opens what it sealed.
      expect((await a.api('GET', `/apps/${clientId}/secret`)).client_secret).toBe(clientSecret);
      expect(await a.api('POST', '/encryption/reencrypt')).toEqual({ reencrypted: during.remaining, remaining: 0, unreadable: 0 });

      a.keepState = true;
      await a.stop();
      a = await startLocalWorker({ restartOf: a, vars: { KEY_ENCRYPTION_KEY: KEK_2 } });
      expect((await a.api('GET', '/encryption')).previous_key_configured).toBe(false);
      expect((await a.api('GET', `/apps/${clientId}/secret`)).client_secret).toBe(clientSecret);
      const signedIn = await signIn(a, `/sso/jwt/${clientId}?redirect_uri=${encodeURIComponent(redirect)}`, alice.email, PASSWORD);
      expect(claims(idToken(signedIn.location)).sub).toBe(alice.id);
    }));

  it('exports with the CLI and imports into a second deployment with its own state', () =>
    withDiagnostics(async () => {
      b = await startLocalWorker();
      // B's own state: a user with one of A's emails, and its own app.
      await b.api('POST', '/users', { email: alice.email, password: 'b has its own alice', name: 'B Alice' });
      const bob = await a.api('POST', '/users', { email: 'bob@example.com', password: PASSWORD, groups: ['staff'] });
      const file = join(work, 'export.json');
      expect(cli(a, ['export', '--out', file], `${PASSPHRASE}\n`)).toMatch(/^Exported .* to /);
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain(clientSecret);
      expect(text).not.toContain('pbkdf2-sha256$100000');
      const document = JSON.parse(text);

      // A wrong passphrase is a 400 and writes nothing.
      const before = (await b.api('GET', '/users')).total;
      await expect(b.api('POST', '/import', { passphrase: 'not the right passphrase', document })).rejects.toMatchObject({ status: 400 });
      expect((await b.api('GET', '/users')).total).toBe(before);

      writeFileSync(join(work, 'passphrase'), `${PASSPHRASE}\n`);
      const out = cli(b, ['import', file], `${PASSPHRASE}\n`);
      expect(out).toContain('Already here, left alone (users): alice@example.com');
      // Apps keep their client ID and secret; users their sub and password.
      expect((await b.api('GET', `/apps/${clientId}/secret`)).client_secret).toBe(clientSecret);
      const signedIn = await signIn(b, `/sso/jwt/${clientId}?redirect_uri=${encodeURIComponent(redirect)}`, 'bob@example.com', PASSWORD);
      const token = claims(idToken(signedIn.location));
      expect(token.sub).toBe(bob.id);
      // Alice was left alone: B's own password, not A's.
      expect((await signIn(b, `/sso/jwt/${clientId}?redirect_uri=${encodeURIComponent(redirect)}`, alice.email, PASSWORD)).status).toBe(401);
    }));

  let successes = 1; // bob, above
  let failures = 1; // alice with A's password, above

  it('imports users with bcrypt, PBKDF2 (Keycloak) and Argon2id hashes made by other software; they sign in', () =>
    withDiagnostics(async () => {
      const [bcryptHash, argonHash] = python(
        `import bcrypt, argon2; print(bcrypt.hashpw(b'${PASSWORD}', bcrypt.gensalt(10)).decode()); print(argon2.PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1).hash('${PASSWORD}'))`,
      ).split('\n');
      // A Keycloak realm export's credential, as Keycloak stores PBKDF2-SHA512 (hashlib computes it), converted by the shipped script.
      const keycloak = python(
        `import hashlib, base64, os, json; s=os.urandom(16); h=hashlib.pbkdf2_hmac('sha512', b'${PASSWORD}', s, 30000, 64); e=lambda b: base64.b64encode(b).decode()
print(json.dumps({'users': [{'username': 'kc', 'email': 'kc@example.com', 'firstName': 'Key', 'lastName': 'Cloak', 'emailVerified': True, 'credentials': [{'type': 'password', 'secretData': json.dumps({'value': e(h), 'salt': e(s)}), 'credentialData': json.dumps({'hashIterations': 30000, 'algorithm': 'pbkdf2-sha512'})}]}]}))`,
      );
      writeFileSync(join(work, 'realm.json'), keycloak);
      const converted = spawnSync(process.execPath, [join(ROOT, 'scripts', 'keycloak-to-phc.mjs'), join(work, 'realm.json')], { encoding: 'utf8' });
      const kc = JSON.parse(converted.stdout).users[0];
      expect(kc.password_hash).toMatch(/^\$pbkdf2-sha512\$i=30000\$/);
      const report = await b.api('POST', '/users/import', {
        users: [
          { email: 'auth0@example.com', password_hash: bcryptHash },
          { email: 'argon@example.com', password_hash: argonHash },
          kc,
          { email: 'costly@example.com', password_hash: bcryptHash!.replace('$10$', '$14$') },
        ],
      });
      expect(report.created).toBe(3);
      expect(report.rows[3].message).toMatch(/cost 14 is above the limit of 12/);
      for (const email of ['auth0@example.com', 'argon@example.com', 'kc@example.com']) {
        expect((await signIn(b, `/sso/jwt/${clientId}?redirect_uri=${encodeURIComponent(redirect)}`, email, 'wrong password')).status).toBe(401);
        failures++;
        const signedIn = await signIn(b, `/sso/jwt/${clientId}?redirect_uri=${encodeURIComponent(redirect)}`, email, PASSWORD);
        expect(claims(idToken(signedIn.location)).email, email).toBe(email);
        successes++;
      }
    }));

  it('the figures (API and dashboard) equal the sign-ins this test made', () =>
    withDiagnostics(async () => {
      await b.api('POST', '/users', { email: 'admin@example.com', password: PASSWORD, roles: ['admin'] });
      const console_ = await signIn(b, '/admin', 'admin@example.com', PASSWORD);
      successes++;
      const expected = { sign_ins: successes, failures };
      let stats: { days: { sign_ins: number; failures: number }[]; apps: { client_id: string; sign_ins: number }[] } = { days: [], apps: [] };
      for (let i = 0; i < 50; i++) {
        stats = await b.api('GET', '/stats?days=30');
        if (stats.days.at(-1)!.sign_ins === expected.sign_ins) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(stats.days).toHaveLength(30);
      expect(stats.days.at(-1)).toMatchObject(expected);
      expect(stats.apps).toEqual([{ client_id: clientId, name: 'Moved app', sign_ins: successes - 1 }]);
      const html = await (await fetch(new URL('/admin', b.url), { headers: { cookie: console_.cookies } })).text();
      expect(html).toContain(`data-figure="sign-ins-today">${expected.sign_ins} · `);
      expect(html).toContain(`data-figure="failures-today">${expected.failures} · `);
    }));
});

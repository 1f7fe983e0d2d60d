// Starts scripts/mail-catcher.py (a real SMTP server on 127.0.0.1, Debian's python3-aiosmtpd)
// and resolves once it accepts connections. Shared by `npm run dev` and the e2e tests.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, ROOT } from './local-worker.mjs';

export const PYTHON = '/usr/bin/python3';
const SCRIPT = join(ROOT, 'scripts', 'mail-catcher.py');
const INSTALL = 'apt-get install -y python3-aiosmtpd';

/** Throws a clear error when Debian's python3 or aiosmtpd is missing. */
export function requireAiosmtpd() {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: the local mail catcher needs Debian's python3 and aiosmtpd (${INSTALL}).`);
  const check = spawnSync(PYTHON, ['-c', 'import aiosmtpd'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`${PYTHON} cannot import aiosmtpd (${INSTALL}):\n${check.stderr}`);
}

/**
 * Starts the catcher writing to `dir`. Returns { port, dir, smtpUrl, child, output(), stop() }.
 * `auth: 'user:password'` makes it require AUTH; smtpUrl then carries the credentials.
 * `tls: { cert, key, implicit }` (PEM files) makes it require STARTTLS, or speak TLS from the start.
 * `inherit: true` prints its "caught mail to …" lines to this terminal.
 */
export async function startMailCatcher({ dir, port, auth, tls, inherit = false, timeoutMs = 20_000 } = {}) {
  requireAiosmtpd();
  const chosenPort = port ?? (await freePort());
  const args = [SCRIPT, '--port', String(chosenPort), '--dir', dir, ...(auth ? ['--auth', auth] : [])];
  // tls: { cert, key, implicit? }: PEM files; STARTTLS is then required, or TLS from the start when implicit.
  if (tls) args.push('--tls-cert', tls.cert, '--tls-key', tls.key, ...(tls.implicit ? ['--implicit-tls'] : []));
  const child = spawn(PYTHON, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the mail catcher did not start within ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
    const onData = (chunk) => {
      const text = chunk.toString();
      output += text;
      if (output.length > 200_000) output = output.slice(-100_000);
      if (inherit) process.stdout.write(text.replace(/^/gm, '[mail] '));
      if (output.includes('mail-catcher ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the mail catcher exited with ${code}:\n${output}`));
    });
  });
  await ready;
  const credentials = auth ? `${encodeURIComponent(auth.split(':')[0])}:${encodeURIComponent(auth.split(':').slice(1).join(':'))}@` : '';
  return {
    port: chosenPort,
    dir,
    // With TLS the certificate names localhost, so the URL does too.
    smtpUrl: tls?.implicit ? `smtps://${credentials}localhost:${chosenPort}` : `smtp://${credentials}${tls ? 'localhost' : '127.0.0.1'}:${chosenPort}`,
    child,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        killer.unref();
        child.once('exit', () => {
          clearTimeout(killer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

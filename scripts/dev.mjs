// `npm run dev [-- --port N]`: the worker on your machine with its embedded D1 and KV.
// Creates .dev.vars with random secrets if missing, applies the local D1 migrations, starts a
// local SMTP server that catches mail into .mail/ (unless .dev.vars sets SMTP_URL), starts
// `wrangler dev`, seeds a demo app and users into an empty database, and prints how to sign in.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminClient, applyMigrations, ensureDevVars, ROOT, startWorker } from './local-worker.mjs';
import { startMailCatcher } from './mail-catcher.mjs';

const DEMO_FILE = join(ROOT, '.dev-demo.json');
const MAIL_DIR = join(ROOT, '.mail');
export const DEMO_CLIENT_ID = 'flask-demo';

function portFromArgs(argv) {
  const i = argv.findIndex((a) => a === '--port' || a.startsWith('--port='));
  if (i === -1) return 8787;
  const raw = argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`--port needs a number from 1 to 65535, got "${raw}"`);
    process.exit(2);
  }
  return port;
}

async function seedDemo(api) {
  const [{ total: apps }, { total: users }] = await Promise.all([api('GET', '/apps?limit=1'), api('GET', '/users?limit=1')]);
  if (apps > 0 || users > 0) return null;
  const credentials = {
    admin: { email: 'admin@example.com', password: randomBytes(9).toString('base64url') },
    user: { email: 'demo@example.com', password: randomBytes(9).toString('base64url') },
  };
  await api('POST', '/users', { ...credentials.admin, name: 'Demo Admin', roles: ['admin'], email_verified: true });
  await api('POST', '/users', {
    ...credentials.user,
    name: 'Demo User',
    given_name: 'Demo',
    family_name: 'User',
    username: 'demo',
    groups: ['staff'],
    email_verified: true,
  });
  await api('POST', '/apps', {
    client_id: DEMO_CLIENT_ID,
    name: 'Flask demo',
    description: 'The demo app in examples/flask (http://localhost:5000).',
    redirect_urls: ['http://localhost:5000/sso/callback', 'http://localhost:5000/'],
    signing_alg: 'HS256',
    response_mode: 'query',
  });
  writeFileSync(DEMO_FILE, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
  return credentials;
}

const port = portFromArgs(process.argv.slice(2));
const { vars, created } = ensureDevVars();
if (created) console.log('Wrote new random secrets to .dev.vars (ADMIN_API_TOKEN, KEY_ENCRYPTION_KEY).');
console.log('Applying local D1 migrations…');
applyMigrations();
// Mail: the SMTP server .dev.vars names, else a real local SMTP server that keeps every message.
let mail = null;
if (!vars.SMTP_URL) {
  try {
    mail = await startMailCatcher({ dir: MAIL_DIR, inherit: true });
  } catch (error) {
    console.error(`The local mail catcher did not start, so email will not be sent: ${error.message}`);
  }
}
const mailVars = mail ? { SMTP_URL: mail.smtpUrl } : {};
// A fixed ISSUER keeps `iss` the same whether the browser says localhost or 127.0.0.1.
let worker;
try {
  worker = await startWorker({ port, inherit: true, vars: { ISSUER: `http://localhost:${port}`, ...mailVars } });
} catch (error) {
  await mail?.stop();
  throw error;
}
const stop = () => Promise.all([worker.stop(), mail?.stop()]).then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

try {
  const api = adminClient(worker.url, vars.ADMIN_API_TOKEN);
  const seeded = await seedDemo(api);
  const credentials = seeded ?? (existsSync(DEMO_FILE) ? JSON.parse(readFileSync(DEMO_FILE, 'utf8')) : null);
  let demoSecret = '';
  try {
    demoSecret = (await api('GET', `/apps/${DEMO_CLIENT_ID}/secret`)).client_secret;
  } catch {
    // the demo app was deleted: nothing to print for it
  }
  const lines = [
    '',
    `edge-sso is running at ${worker.url}${seeded ? ' (demo data seeded)' : ''}`,
    `  Admin API:  ${worker.url}/api/admin  (Authorization: Bearer ${vars.ADMIN_API_TOKEN})`,
    `  JWKS:       ${worker.url}/.well-known/jwks.json`,
  ];
  if (demoSecret) {
    lines.push(
      `  Demo SSO URL: ${worker.url}/sso/jwt/${DEMO_CLIENT_ID}?redirect_uri=${encodeURIComponent('http://localhost:5000/sso/callback')}`,
      '  Start the Flask demo app that receives the token:',
      `    EDGE_SSO_ISSUER=${worker.url} EDGE_SSO_CLIENT_ID=${DEMO_CLIENT_ID} EDGE_SSO_CLIENT_SECRET=${demoSecret} /usr/bin/python3 examples/flask/app.py`,
      '    then open http://localhost:5000/profile',
    );
  }
  if (credentials) {
    lines.push(
      `  Demo user:  ${credentials.user.email} / ${credentials.user.password}`,
      `  Admin user: ${credentials.admin.email} / ${credentials.admin.password}`,
    );
  } else {
    lines.push('  (The database was already seeded and .dev-demo.json is gone: delete .wrangler/state to seed afresh.)');
  }
  if (mail) {
    lines.push(
      `  Email:      caught by a local SMTP server (${mail.smtpUrl}); every message is saved in ${MAIL_DIR}/ as an .eml file`,
      '              (open it in a mail app, or read it as text); index.jsonl lists them. Set SMTP_URL in .dev.vars to use a real relay.',
    );
  } else if (vars.SMTP_URL) {
    lines.push('  Email:      sent through the SMTP_URL in .dev.vars (no local catcher started)');
  }
  lines.push('Press Ctrl+C to stop.', '');
  console.log(lines.join('\n'));
} catch (error) {
  console.error(`Seeding the demo failed: ${error.message}`);
}

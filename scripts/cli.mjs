// `npm run cli -- <command> [options]`: talks to the admin API of a local or deployed worker.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { adminClient, ROOT } from './local-worker.mjs';

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  create-admin --email E [--password P] [--name N]   create a user with the admin role
  create-user  --email E [--password P] [--name N] [--groups a,b] [--admin]
  list-users   [--search TEXT]
  list-apps    [--search TEXT]
  rotate-key   --alg RS256|ES256
  export       --out FILE        export apps, users, sources, keys, branding and settings (asks for a passphrase)
  import       FILE              import an export into this deployment (asks for its passphrase)

Options:
  --url URL      the worker (default: $EDGE_SSO_URL, else http://localhost:8787)
  --token=TOKEN  the admin API token (default: $EDGE_SSO_ADMIN_TOKEN, else ADMIN_API_TOKEN from .dev.vars)

Without --password a strong password is generated and printed once.
The export passphrase is asked on the terminal (or read from the first line of stdin when it is not a terminal).
Example (deployed): npm run cli -- create-admin --url https://sso.example.com --token="$ADMIN_API_TOKEN" --email you@example.com`;

function fail(message) {
  console.error(message);
  process.exit(2);
}

function devToken() {
  const file = join(ROOT, '.dev.vars');
  if (!existsSync(file)) return undefined;
  return /^\s*ADMIN_API_TOKEN\s*=\s*"?([^"\n]+)"?/m.exec(readFileSync(file, 'utf8'))?.[1];
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      groups: { type: 'string' },
      admin: { type: 'boolean' },
      search: { type: 'string' },
      alg: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (error) {
  fail(`${error.message}\n\n${USAGE}`);
}
const { values: opts, positionals } = parsed;
const command = positionals[0];
if (opts.help || !command) {
  console.log(USAGE);
  process.exit(command || opts.help ? 0 : 2);
}

const url = (opts.url ?? process.env.EDGE_SSO_URL ?? 'http://localhost:8787').replace(/\/+$/, '');
const token = opts.token ?? process.env.EDGE_SSO_ADMIN_TOKEN ?? devToken();
if (!token) fail('No admin API token: pass --token or set EDGE_SSO_ADMIN_TOKEN.');
const api = adminClient(url, token);

async function createUser(admin) {
  if (!opts.email) fail(`--email is required.\n\n${USAGE}`);
  const generated = !opts.password;
  const password = opts.password ?? randomBytes(12).toString('base64url');
  const user = await api('POST', '/users', {
    email: opts.email,
    password,
    ...(opts.name ? { name: opts.name } : {}),
    ...(opts.groups ? { groups: opts.groups.split(',').map((g) => g.trim()).filter(Boolean) } : {}),
    roles: admin ? ['admin'] : [],
    email_verified: true,
  });
  console.log(`Created ${admin ? 'admin ' : ''}${user.email} (id ${user.id}).`);
  if (generated) console.log(`Password: ${password}\n(shown once; the user can be given a new one in the console)`);
  if (admin) console.log(`Sign in at ${url}/admin`);
}

/** Asks for a passphrase without echoing it; from a pipe, reads the first line. */
async function askPassphrase(prompt) {
  if (!process.stdin.isTTY) {
    const lines = createInterface({ input: process.stdin });
    for await (const line of lines) {
      lines.close();
      return line;
    }
    fail('No passphrase on stdin.');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  rl._writeToOutput = (text) => rl.output.write(text.startsWith(prompt) ? prompt : '');
  const answer = await new Promise((resolve) => rl.question(prompt, resolve));
  rl.close();
  process.stderr.write('\n');
  return answer;
}

const commands = {
  'create-admin': () => createUser(true),
  'create-user': () => createUser(Boolean(opts.admin)),
  'list-users': async () => {
    const { users, total } = await api('GET', `/users?limit=100${opts.search ? `&q=${encodeURIComponent(opts.search)}` : ''}`);
    for (const u of users) console.log(`${u.email}\t${u.id}\t${u.roles.join(',') || '-'}\t${u.disabled ? 'disabled' : 'active'}`);
    console.log(`${total} user(s)`);
  },
  'list-apps': async () => {
    const { apps, total } = await api('GET', `/apps?limit=100${opts.search ? `&q=${encodeURIComponent(opts.search)}` : ''}`);
    for (const a of apps) console.log(`${a.client_id}\t${a.name}\t${a.signing_alg}\t${a.sso_url}`);
    console.log(`${total} app(s)`);
  },
  'rotate-key': async () => {
    if (!opts.alg) fail('--alg RS256 or --alg ES256 is required.');
    const { kid, activates_at: activatesAt } = await api('POST', `/keys/${encodeURIComponent(opts.alg)}/rotate`);
    // The new key is in the JWKS at once, but signs only from activates_at (KEY_ACTIVATION_DELAY_SECONDS),
    // so apps caching the JWKS see it before any token carries it.
    const signsLater = activatesAt && Date.parse(activatesAt) > Date.now();
    console.log(`New ${opts.alg} key ${kid}: published now, ${signsLater ? `signs from ${activatesAt}` : 'signs now'}.`);
  },
  export: async () => {
    if (!opts.out) fail('--out FILE is required.');
    const passphrase = await askPassphrase('Passphrase for the export (at least 12 characters): ');
    if (process.stdin.isTTY && (await askPassphrase('Same passphrase again: ')) !== passphrase) fail('The passphrases differ.');
    const document = await api('POST', '/export', { passphrase });
    writeFileSync(opts.out, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
    const counts = Object.entries(document.tables).map(([name, rows]) => `${rows.length} ${name}`).join(', ');
    console.log(`Exported ${counts} to ${opts.out}. Keep the passphrase apart from the file.`);
  },
  import: async () => {
    const file = positionals[1];
    if (!file) fail('Usage: npm run cli -- import FILE');
    const document = JSON.parse(readFileSync(file, 'utf8'));
    const passphrase = await askPassphrase('Passphrase of the export: ');
    const report = await api('POST', '/import', { passphrase, document });
    const imported = Object.entries(report.imported).map(([name, n]) => `${n} ${name}`).join(', ');
    console.log(`Imported ${imported}.`);
    for (const [kind, list] of Object.entries(report.existing)) {
      if (list.length) console.log(`Already here, left alone (${kind}): ${list.join(', ')}`);
    }
  },
};

const run = commands[command];
if (!run) fail(`Unknown command "${command}".\n\n${USAGE}`);
try {
  await run();
} catch (error) {
  if (error.cause?.code === 'ECONNREFUSED') fail(`Cannot reach ${url}: is the worker running (npm run dev)?`);
  const fields = error.body?.fields ? `\n${Object.entries(error.body.fields).map(([f, m]) => `  ${f}: ${m}`).join('\n')}` : '';
  fail(`${error.message}${fields}`);
}

// `npm run deploy [-- wrangler deploy options]`: refuses to deploy without a public ISSUER, then
// runs `wrangler deploy`. With ISSUER empty, a deployed worker would take each token's `iss` from
// the request's Host header, so verifiers could be handed tokens naming any issuer.
//
// ISSUER comes from, in order: `--var ISSUER:<url>` among the arguments, the ISSUER environment
// variable (passed on to wrangler as `--var`), then wrangler.toml's [vars] (or [env.<name>.vars]
// with `--env <name>`). `--config <file>` names another wrangler.toml.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The value of `key` in the TOML table `[table]`, for the simple `key = "value"` lines wrangler.toml uses. */
export function tomlTableValue(toml, table, key) {
  let inTable = false;
  for (const line of toml.split(/\r?\n/)) {
    const header = /^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$/.exec(line);
    if (header) {
      inTable = header[1] === table;
      continue;
    }
    if (!inTable) continue;
    const match = new RegExp(`^\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|'([^']*)')\\s*(#.*)?$`).exec(line);
    if (match) return match[1] ?? match[2];
  }
  return undefined;
}

/** Why this ISSUER cannot be deployed, or null when it can: an https origin, nothing else. */
export function issuerProblem(issuer) {
  const value = (issuer ?? '').trim();
  if (value === '') {
    return 'ISSUER is empty. A deployed worker would then put whatever Host a request names into every token\'s "iss".';
  }
  let url;
  try {
    url = new URL(value);
  } catch {
    return `ISSUER "${value}" is not a URL.`;
  }
  if (url.protocol !== 'https:') return `ISSUER "${value}" must be an https URL.`;
  if (url.username || url.password || url.search || url.hash || url.pathname.replace(/\/+$/, '') !== '') {
    return `ISSUER "${value}" must be an origin only, like https://sso.example.com (no path, query, fragment or user name).`;
  }
  return null;
}

function optionValue(args, name) {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i === -1) return undefined;
  return args[i].includes('=') ? args[i].slice(name.length + 1) : args[i + 1];
}

/** The ISSUER that `wrangler deploy` with these arguments would ship, and the arguments to run it with. */
export function resolveDeploy(args, env, readConfig) {
  const varArgs = args.flatMap((a, i) => (a === '--var' ? [args[i + 1] ?? ''] : a.startsWith('--var=') ? [a.slice(6)] : []));
  const fromArgs = varArgs.flatMap((v) => v.split(/\s+/)).find((v) => v.startsWith('ISSUER:'));
  if (fromArgs !== undefined) return { issuer: fromArgs.slice('ISSUER:'.length), source: '--var ISSUER', args };
  if (env.ISSUER !== undefined && env.ISSUER.trim() !== '') {
    return { issuer: env.ISSUER.trim(), source: 'the ISSUER environment variable', args: [...args, '--var', `ISSUER:${env.ISSUER.trim()}`] };
  }
  const config = optionValue(args, '--config') ?? optionValue(args, '-c') ?? 'wrangler.toml';
  const envName = optionValue(args, '--env') ?? optionValue(args, '-e');
  const table = envName ? `env.${envName}.vars` : 'vars';
  return { issuer: tomlTableValue(readConfig(config), table, 'ISSUER') ?? '', source: `${config} [${table}]`, args };
}

function main() {
  const args = process.argv.slice(2);
  let plan;
  try {
    plan = resolveDeploy(args, process.env, (file) => readFileSync(file, 'utf8'));
  } catch (error) {
    console.error(`npm run deploy: cannot read the wrangler configuration: ${error.message}`);
    process.exit(1);
  }
  const problem = issuerProblem(plan.issuer);
  if (problem) {
    console.error(`npm run deploy: refusing to deploy.\n  ${problem}\n  (read from ${plan.source})\n`);
    console.error('Set ISSUER to the public URL of this worker, then run npm run deploy again. Either:');
    console.error('  - in wrangler.toml, under [vars]:   ISSUER = "https://sso.example.com"');
    console.error('  - or for one deploy:                ISSUER=https://sso.example.com npm run deploy');
    process.exit(1);
  }
  console.log(`ISSUER is ${plan.issuer} (from ${plan.source}).`);
  const result = spawnSync('npx', ['wrangler', 'deploy', ...plan.args], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();

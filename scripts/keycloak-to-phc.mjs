#!/usr/bin/env node
// Converts Keycloak's password credentials to the PHC strings edge-sso imports (README, "Migrating
// users with their password hashes"). Input: a realm export (`kc.sh export --realm R --file F`) or
// the users file of a partial export: JSON with `users[]`, each with `email` and `credentials[]`.
// Output (stdout): { "users": [ { email, name, given_name, family_name, username, email_verified, password_hash } ] },
// the body of POST /api/admin/users/import. Users without a convertible password are listed on stderr.
//
//   node scripts/keycloak-to-phc.mjs realm-export.json > users.json
//
// Keycloak keeps `secretData` = {"value": base64 hash, "salt": base64 salt} and `credentialData` =
// {"hashIterations": n, "algorithm": "pbkdf2-sha256" | "pbkdf2-sha512" | "pbkdf2" (SHA-1) | "argon2",
//  "additionalParameters": {...}} (both JSON strings inside the JSON).
import { readFileSync } from 'node:fs';

const unpad = (b64) => b64.replace(/=+$/, '');

/** One Keycloak password credential as a PHC string, or an explanation of why it cannot be one. */
export function credentialToPhc(credential) {
  const secret = typeof credential.secretData === 'string' ? JSON.parse(credential.secretData) : credential.secretData;
  const data = typeof credential.credentialData === 'string' ? JSON.parse(credential.credentialData) : credential.credentialData;
  const algorithm = data.algorithm;
  if (algorithm === 'pbkdf2-sha256' || algorithm === 'pbkdf2-sha512') {
    return { phc: `$${algorithm}$i=${data.hashIterations}$${unpad(secret.salt)}$${unpad(secret.value)}` };
  }
  if (algorithm === 'argon2') {
    // Keycloak 24+: additionalParameters hold lists of strings; the salt and value are base64.
    const p = Object.fromEntries(Object.entries(data.additionalParameters ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
    if ((p.type ?? 'id') !== 'id') return { error: `Argon2${p.type} is not supported (only Argon2id)` };
    const version = p.version === '1.0' ? 16 : 19;
    return { phc: `$argon2id$v=${version}$m=${p.memory},t=${data.hashIterations},p=${p.parallelism}$${unpad(secret.salt)}$${unpad(secret.value)}` };
  }
  return { error: `algorithm "${algorithm}" is not supported (pbkdf2-sha256, pbkdf2-sha512, argon2)` };
}

export function convert(exported) {
  const users = [];
  const skipped = [];
  for (const user of exported.users ?? []) {
    const credential = (user.credentials ?? []).find((c) => c.type === 'password');
    const row = {
      email: user.email,
      ...(user.firstName || user.lastName ? { name: [user.firstName, user.lastName].filter(Boolean).join(' ') } : {}),
      ...(user.firstName ? { given_name: user.firstName } : {}),
      ...(user.lastName ? { family_name: user.lastName } : {}),
      ...(user.username ? { username: user.username } : {}),
      email_verified: Boolean(user.emailVerified),
    };
    if (!user.email) {
      skipped.push(`${user.username ?? user.id}: no email`);
      continue;
    }
    if (credential) {
      const converted = credentialToPhc(credential);
      if (converted.phc) row.password_hash = converted.phc;
      else skipped.push(`${user.email}: ${converted.error}; imported without a password`);
    }
    users.push(row);
  }
  return { users, skipped };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    console.error('Usage: node scripts/keycloak-to-phc.mjs realm-export.json > users.json');
    process.exit(2);
  }
  const { users, skipped } = convert(JSON.parse(readFileSync(file, 'utf8')));
  for (const line of skipped) console.error(line);
  process.stdout.write(`${JSON.stringify({ users }, null, 2)}\n`);
}

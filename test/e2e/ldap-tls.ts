// Imported first by ldap.test.ts: a throw-away CA and a server certificate for 127.0.0.1, made
// with openssl, and SSL_CERT_FILE pointing at that CA, so the `wrangler dev` this test file
// starts (workerd reads SSL_CERT_FILE for its trust store) verifies slapd's ldaps:// and StartTLS
// certificate like a Worker verifies a public one. It is set on import, before the test starts
// its worker (which inherits the environment); cleanupTls() restores it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TLS_DIR = mkdtempSync(join(tmpdir(), 'edge-sso-ldap-tls-'));
export const TLS = { ca: join(TLS_DIR, 'ca.crt'), cert: join(TLS_DIR, 'server.crt'), key: join(TLS_DIR, 'server.key') };

const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: TLS_DIR, stdio: 'pipe' });
openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=edge-sso e2e CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
writeFileSync(join(TLS_DIR, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf');

const previous = process.env.SSL_CERT_FILE;
process.env.SSL_CERT_FILE = TLS.ca;

export function cleanupTls(): void {
  if (previous === undefined) delete process.env.SSL_CERT_FILE;
  else process.env.SSL_CERT_FILE = previous;
  rmSync(TLS_DIR, { recursive: true, force: true });
}

// Where a directory lives: `ldaps://host[:636]`, or `ldap://host[:389]` with StartTLS. Plain
// `ldap://` without StartTLS only on loopback, for local development.

const LOOPBACK = new Set(['127.0.0.1', '[::1]', '::1', 'localhost']);

export type Transport = 'ldaps' | 'starttls' | 'plain';

export interface DirectoryAddress {
  hostname: string;
  port: number;
  transport: Transport;
}

/** Parses a directory URL; returns a message (completing "url ...") when it is not usable. */
export function parseDirectoryUrl(value: string, startTls: boolean): DirectoryAddress | string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a URL such as ldaps://ldap.example.com:636';
  }
  if (url.protocol !== 'ldaps:' && url.protocol !== 'ldap:') return 'must start with ldaps:// or ldap://';
  if (url.username || url.password) return 'must not contain a user name or password (use bind_dn and bind_password)';
  if ((url.pathname && url.pathname !== '/') || url.search || url.hash) return 'must be only scheme, host and port (put the base DN in user_base_dn)';
  if (!url.hostname) return 'must name a host';
  const secure = url.protocol === 'ldaps:';
  const port = url.port ? Number(url.port) : secure ? 636 : 389;
  if (secure && startTls) return 'uses ldaps:// already; turn start_tls off, or use ldap:// with start_tls';
  const transport: Transport = secure ? 'ldaps' : startTls ? 'starttls' : 'plain';
  if (transport === 'plain' && !LOOPBACK.has(url.hostname)) {
    return 'must use ldaps://, or ldap:// with start_tls on: plain ldap:// sends passwords in the clear and is allowed only for 127.0.0.1 or localhost';
  }
  return { hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, transport };
}

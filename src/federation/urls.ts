// URL rules for upstream providers: https everywhere, plain http only on loopback so a provider
// running on the developer's machine (or the end-to-end tests' node-oidc-provider) can be used.

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

/** Parses an upstream URL (issuer, endpoint, base URL): https, or http on loopback; no userinfo, query or fragment. Returns a message on failure. */
export function parseUpstreamUrl(value: string): URL | string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackUrl(url))) {
    return 'must use https (http is allowed only for 127.0.0.1 or localhost)';
  }
  if (url.username || url.password) return 'must not contain a user name or password';
  if (url.search || url.hash) return 'must not contain a query or fragment';
  return url;
}

/** True when a client may talk plain http to these URLs: only when every one is on loopback. */
export function allowInsecure(urls: string[]): boolean {
  return urls.every((u) => {
    try {
      const url = new URL(u);
      return url.protocol === 'https:' || isLoopbackUrl(url);
    } catch {
      return false;
    }
  }) && urls.some((u) => u.startsWith('http:'));
}

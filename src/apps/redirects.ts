// Redirect URL rules. Pure functions, no I/O: they are tested by the thousand (test/apps/redirects.test.ts).
//
// Registration: https, or http on a loopback host only; no userinfo, no fragment, no other scheme.
// Matching: the requested URL must equal a registered one after URL parsing. No prefix, wildcard,
// port or case leniency beyond what the URL parser itself normalises, and the browser is always
// sent to the *registered* string, never to the caller's spelling of it.

export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

// Whitespace, control characters and backslashes are silently rewritten by the URL parser
// (stripped, or turned into '/'), which is how many redirect bypasses start: refuse them outright.
const UNSAFE_CHARACTERS = /[\s\\\u0000-\u001f\u007f]/u;

export type RedirectCheck = { ok: true; url: string } | { ok: false; reason: string };

export function checkRegisteredRedirect(input: string): RedirectCheck {
  const raw = input.trim();
  if (raw === '') return { ok: false, reason: 'is empty' };
  if (UNSAFE_CHARACTERS.test(raw)) return { ok: false, reason: 'contains spaces, control characters or backslashes' };
  if (raw.includes('#')) return { ok: false, reason: 'must not contain a fragment (#)' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not an absolute URL' };
  }
  if (url.username || url.password) return { ok: false, reason: 'must not contain a user name or password' };
  if (url.protocol === 'http:') {
    if (!LOOPBACK_HOSTS.has(url.hostname)) {
      return { ok: false, reason: 'must use https (http is allowed only for localhost, 127.0.0.1 and [::1])' };
    }
  } else if (url.protocol !== 'https:') {
    return { ok: false, reason: `must use https, not ${url.protocol.replace(/:$/, '')}` };
  }
  return { ok: true, url: url.href };
}

/** The registered URL that `requested` designates, or null. `registered` holds normalised URLs. */
export function matchRedirect(registered: readonly string[], requested: string): string | null {
  if (requested === '' || UNSAFE_CHARACTERS.test(requested)) return null;
  // Registered URLs are stored parsed (checkRegisteredRedirect): one spelled exactly so needs no second parse.
  if (registered.includes(requested)) return requested;
  let href: string;
  try {
    href = new URL(requested).href;
  } catch {
    return null;
  }
  return registered.find((candidate) => candidate === href) ?? null;
}

export type RedirectResolution = { ok: true; url: string } | { ok: false; explanation: string };

/** The SSO URL's rule: the requested URL if registered, the first registered URL if none was asked for. */
export function resolveRedirect(registered: readonly string[], requested: string | undefined): RedirectResolution {
  if (requested === undefined) {
    const first = registered[0];
    return first ? { ok: true, url: first } : { ok: false, explanation: 'This application has no registered redirect URLs.' };
  }
  const url = matchRedirect(registered, requested);
  return url ? { ok: true, url } : { ok: false, explanation: describeMismatch(registered, requested) };
}

/** Splits what an admin pasted: an array, or one string with URLs separated by `;` or new lines. */
export function splitRedirectList(value: unknown): string[] | null {
  if (Array.isArray(value)) return value.every((v) => typeof v === 'string') ? (value as string[]) : null;
  if (typeof value === 'string') return value.split(/[;\n]/).map((v) => v.trim()).filter((v) => v !== '');
  return null;
}

/** Says, for the error page, how a rejected URL differs from the closest registered one. */
export function describeMismatch(registered: readonly string[], requested: string): string {
  if (UNSAFE_CHARACTERS.test(requested)) return 'The requested URL contains spaces, control characters or backslashes.';
  let asked: URL;
  try {
    asked = new URL(requested);
  } catch {
    return 'The requested redirect_uri is not an absolute URL.';
  }
  const parts = (u: URL) => ({
    scheme: u.protocol,
    'user info': u.username || u.password ? `${u.username}:${u.password}` : '',
    host: u.hostname,
    port: u.port,
    path: u.pathname,
    query: u.search,
    fragment: u.hash,
  });
  const wanted = parts(asked);
  let best: { url: string; differences: string[] } | null = null;
  for (const candidate of registered) {
    const have = parts(new URL(candidate));
    const differences = (Object.keys(have) as (keyof typeof have)[])
      .filter((k) => have[k] !== wanted[k])
      .map((k) => `${k} is "${wanted[k]}", registered "${have[k]}"`);
    if (!best || differences.length < best.differences.length) best = { url: candidate, differences };
  }
  if (!best) return 'This application has no registered redirect URLs.';
  return `Closest registered URL: ${best.url}. Differences: ${best.differences.join('; ')}.`;
}

// Requests to a provider that got no usable HTTP answer, said in plain words with the host named.
// workerd reports a refused connection as "Network connection lost." and a failed DNS lookup or
// TLS handshake alike as "internal error; reference = …"; Cloudflare's edge answers 52x instead.
// To tell TLS apart from "not reachable", a failed https request is followed by a bare TCP
// connect to the same host and port: if that connects, the TLS handshake is what failed.
import { UpstreamError } from './types';

export type NetworkFailureKind = 'unreachable' | 'tls';

/** Cloudflare's own answers when it cannot reach or talk TLS to an origin (its 52x error codes). */
const EDGE_STATUS: Record<number, NetworkFailureKind> = { 521: 'unreachable', 522: 'unreachable', 523: 'unreachable', 524: 'unreachable', 530: 'unreachable', 525: 'tls', 526: 'tls' };

const PROBE_MS = 3_000;

/** host:port of a URL, with the scheme's default port spelled out. */
export function hostOf(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}

/** Whether a plain TCP connection to the host opens (cloudflare:sockets, loaded only when needed). */
async function tcpConnects(url: URL): Promise<boolean> {
  try {
    const { connect } = await import('cloudflare:sockets');
    const socket = connect({ hostname: url.hostname, port: Number(url.port || 443) });
    const opened = await Promise.race([socket.opened.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), PROBE_MS))]);
    socket.close().catch(() => undefined);
    return opened;
  } catch {
    return false;
  }
}

/** What went wrong with a request that threw (no HTTP answer at all). */
export async function classifyThrown(url: URL, error: unknown): Promise<NetworkFailureKind> {
  const message = error instanceof Error ? error.message : String(error);
  if (/certificate|tls|ssl|handshake/i.test(message)) return 'tls';
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'unreachable';
  if (url.protocol === 'https:' && (await tcpConnects(url))) return 'tls';
  return 'unreachable';
}

function reason(kind: NetworkFailureKind, error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'no answer in time';
  if (kind === 'tls') return 'the TLS handshake failed';
  return 'the name does not resolve, the connection was refused, or it closed without an HTTP answer';
}

/** The UpstreamError for a request to `url` that got no usable answer; `host` names where. */
export function networkError(kind: NetworkFailureKind, url: URL, why: string): UpstreamError {
  const host = hostOf(url);
  // People signing in read the message; the admin's Test connection reads the detail and host.
  return new UpstreamError(kind, 'The identity provider could not be reached. Try again in a moment.', `${url.protocol}//${host}: ${why}`, host);
}

/**
 * Wraps a fetch so that a request without an HTTP answer (or with Cloudflare's 52x in its place)
 * throws an UpstreamError ('unreachable' or 'tls') naming the host, instead of a bare Error.
 */
export function diagnosingFetch(fetchFn: typeof fetch = (input, init) => fetch(input, init)): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    let response: Response;
    try {
      response = await fetchFn(input, init);
    } catch (error) {
      const kind = await classifyThrown(url, error);
      throw networkError(kind, url, `${reason(kind, error)} (${error instanceof Error ? error.message : String(error)})`);
    }
    const edge = EDGE_STATUS[response.status];
    if (edge) throw networkError(edge, url, `Cloudflare answered HTTP ${response.status} for it`);
    return response;
  };
}

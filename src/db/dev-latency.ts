// Local development only: `npm run bench -- --d1-latency MS` starts the worker with
// DEV_D1_LATENCY_MS, and every D1 call then waits MS first, as a database in another region
// would. The response says how many D1 calls it waited for one after another (the same count as
// test/round-trips.ts) in `x-dev-d1-round-trips`.
//
// Honoured only on a loopback host with no public ISSUER: a deployment never sets the variable,
// and if one did, it is ignored (with a warning) rather than slowing or describing production.
import { isLoopbackHost, type Bindings } from '../env';

interface Depth {
  completed: number;
  deepest: number;
}

let warned = false;

/** The latency to add for this request, or 0. */
export function devLatencyMs(env: Bindings, requestUrl: string): number {
  const raw = env.DEV_D1_LATENCY_MS;
  if (raw === undefined || raw === '') return 0;
  const ms = Number(raw);
  const issuer = env.ISSUER?.trim();
  const local = isLoopbackHost(new URL(requestUrl).hostname) && (!issuer || isLoopbackHost(new URL(issuer).hostname));
  if (!local || !Number.isInteger(ms) || ms < 0 || ms > 5000) {
    if (!warned) console.warn('DEV_D1_LATENCY_MS is ignored: it is for local benchmarks (a loopback host, 0 to 5000 ms).');
    warned = true;
    return 0;
  }
  return ms;
}

type Statement = D1PreparedStatement & { real: D1PreparedStatement };

/** The binding, with `ms` before every call; `depth` records the sequential round trips. */
function delayed<T extends D1Database | D1DatabaseSession>(d1: T, ms: number, depth: Depth): T {
  const call = async <R>(run: () => Promise<R>): Promise<R> => {
    const mine = depth.completed + 1;
    try {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return await run();
    } finally {
      depth.completed = Math.max(depth.completed, mine);
      depth.deepest = Math.max(depth.deepest, mine);
    }
  };
  const statement = (real: D1PreparedStatement): Statement =>
    ({
      real,
      bind: (...values: unknown[]) => statement(real.bind(...values)),
      all: () => call(() => real.all()),
      run: () => call(() => real.run()),
      first: (column?: string) => call(() => (column === undefined ? real.first() : real.first(column))),
      raw: (options?: { columnNames?: boolean }) => call(() => real.raw(options as { columnNames: true })),
    }) as unknown as Statement;
  const wrapper: Record<string, unknown> = {
    prepare: (query: string) => statement(d1.prepare(query)),
    batch: (statements: Statement[]) => call(() => d1.batch(statements.map((s) => s.real ?? s))),
  };
  if ('exec' in d1) wrapper.exec = (query: string) => call(() => d1.exec(query));
  if ('withSession' in d1) wrapper.withSession = (constraint?: string) => delayed(d1.withSession(constraint), ms, depth);
  if ('getBookmark' in d1) wrapper.getBookmark = () => d1.getBookmark();
  return wrapper as unknown as T;
}

/**
 * Runs a request with the development latency on its D1 binding, and reports its sequential D1
 * round trips in a response header. Without the variable (always, in production): as is.
 */
export async function withDevLatency(env: Bindings, request: Request, handle: (env: Bindings) => Response | Promise<Response>): Promise<Response> {
  const ms = devLatencyMs(env, request.url);
  if (ms === 0) return handle(env);
  const depth: Depth = { completed: 0, deepest: 0 };
  const response = await handle({ ...env, DB: delayed(env.DB, ms, depth) });
  const counted = new Response(response.body, response);
  counted.headers.set('x-dev-d1-round-trips', String(depth.deepest));
  return counted;
}

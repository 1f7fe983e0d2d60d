// Counts the D1 round trips a request waits for, one after another, from outside the code: the
// D1 binding's methods are wrapped inside workerd, as a far-away database would be felt.
//
// Each D1 call (a statement's run/all/first/raw, a batch, an exec) gets a depth: one more than
// the deepest call that had completed when it started. Calls awaited in parallel start before
// any of them completes, so they share a depth; a `db.batch` is one call. The request's round
// trips are the deepest call that completed before its response came back: a call still in
// flight then (an audit write in `waitUntil`) was not waited for.
import { env } from 'cloudflare:workers';

type Method = (...args: unknown[]) => unknown;

interface Counter {
  completedDepth: number;
  /** Depth of the deepest call completed so far. */
  deepest: number;
  calls: number;
}

let active: Counter | null = null;
const patched = new WeakSet<object>();

function track(original: Method): Method {
  return function (this: unknown, ...args: unknown[]) {
    const counter = active;
    const result = original.apply(this, args);
    if (!counter || !(result instanceof Promise)) return result;
    const depth = counter.completedDepth + 1;
    counter.calls++;
    const done = () => {
      if (active !== counter) return;
      counter.completedDepth = Math.max(counter.completedDepth, depth);
      counter.deepest = Math.max(counter.deepest, depth);
    };
    result.then(done, done);
    return result;
  };
}

function patch(target: object, names: string[]): void {
  if (patched.has(target)) return;
  patched.add(target);
  for (const name of names) {
    const original = (target as Record<string, unknown>)[name];
    if (typeof original === 'function') (target as Record<string, Method>)[name] = track(original as Method);
  }
}

/** Wraps the binding once: the database's batch/exec, its sessions', and every statement's queries. */
let wrapped = false;
function wrapBinding(): void {
  if (wrapped) return;
  wrapped = true;
  const db = env.DB as unknown as Record<string, Method>;
  patch(Object.getPrototypeOf(db), ['batch', 'exec']);
  patch(Object.getPrototypeOf(env.DB.prepare('select 1')), ['run', 'all', 'first', 'raw']);
  if (typeof db.withSession === 'function') {
    const session = env.DB.withSession('first-unconstrained') as unknown as object;
    patch(Object.getPrototypeOf(session), ['batch']);
    patch(Object.getPrototypeOf((session as D1DatabaseSession).prepare('select 1')), ['run', 'all', 'first', 'raw']);
  }
}

export interface RoundTrips<T> {
  /** Sequential D1 round trips the response waited for. */
  sequential: number;
  /** Every D1 call started before the response (parallel ones included). */
  calls: number;
  result: T;
}

/** Runs `request` (one Worker request) and counts the D1 round trips it waited for. */
export async function roundTrips<T>(request: () => Promise<T>): Promise<RoundTrips<T>> {
  wrapBinding();
  const counter: Counter = { completedDepth: 0, deepest: 0, calls: 0 };
  active = counter;
  try {
    const result = await request();
    return { sequential: counter.deepest, calls: counter.calls, result };
  } finally {
    active = null;
  }
}

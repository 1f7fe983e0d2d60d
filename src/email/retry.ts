// Bounded retry for one delivery: a few tries with growing pauses, all inside the request's
// waitUntil (a Worker may keep working about 30 s after the response).
export const RETRY_DELAYS_MS: readonly number[] = [1_000, 3_000];

export type RetryOutcome = { ok: true; attempts: number } | { ok: false; attempts: number; error: string };

/** Error classes that no retry can fix (bad configuration, refused recipient): stop at once. */
export class PermanentEmailError extends Error {}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Tries `attempt` once, then once more after each delay; stops on success or a permanent error. */
export async function deliverWithRetry(attempt: () => Promise<void>, delaysMs: readonly number[] = RETRY_DELAYS_MS): Promise<RetryOutcome> {
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      await attempt();
      return { ok: true, attempts };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const delay = delaysMs[attempts - 1];
      if (error instanceof PermanentEmailError || delay === undefined) return { ok: false, attempts, error: message };
      if (delay > 0) await sleep(delay);
    }
  }
}

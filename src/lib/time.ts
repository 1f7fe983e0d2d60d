/** Unix time in whole seconds, the unit of every timestamp in D1, KV and tokens. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The UTC day of a Unix time, YYYY-MM-DD. */
export const utcDay = (seconds = nowSeconds()) => new Date(seconds * 1000).toISOString().slice(0, 10);

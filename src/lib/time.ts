/** Unix time in whole seconds, the unit of every timestamp in D1, KV and tokens. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

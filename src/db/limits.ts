// D1 binds at most 100 parameters per statement: lists that reach SQL go in slices under that.

export const MAX_BOUND_PARAMETERS = 100;

/** Splits `items` into slices that keep a statement under D1's parameter limit. */
export function slices<T>(items: readonly T[], parametersEach = 1, reserved = 10): T[][] {
  const size = Math.max(1, Math.floor((MAX_BOUND_PARAMETERS - reserved) / parametersEach));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

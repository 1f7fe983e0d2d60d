// What an edit really changes: a form or a PATCH sends every field, but only the ones whose
// value differs are written and audited, so a Save with no change changes nothing.

/** JSON with object keys sorted, so two equal values compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/**
 * The entries of `changes` whose value differs from `current`'s. Keys in `always` (a new
 * password: only its hash is stored, so it cannot be compared) are kept whenever given.
 */
export function changedOnly<T extends object>(current: Partial<Record<keyof T, unknown>>, changes: Partial<T>, always: readonly (keyof T)[] = []): Partial<T> {
  const kept = Object.entries(changes).filter(
    ([key, value]) => value !== undefined && (always.includes(key as keyof T) || canonical(value) !== canonical(current[key as keyof T])),
  );
  return Object.fromEntries(kept) as Partial<T>;
}

export const isEmpty = (changes: object) => Object.keys(changes).length === 0;

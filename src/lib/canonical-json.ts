// Canonical JSON (RFC 8785, JCS, for the values JSON.parse makes): object keys sorted by UTF-16
// code units, no whitespace, strings and numbers written as JSON.stringify writes them. Two
// parses of the same document give the same bytes however the file was re-indented or its keys
// reordered, so a MAC over these bytes covers exactly the values a reader goes on to use.

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no non-finite numbers');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined); // as JSON.stringify drops them
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  // Dates, byte arrays, undefined in a list…: JSON.stringify would write them some other way.
  throw new TypeError(`canonical JSON has no ${typeof value} values`);
}

// What an update changed, for the audit trail: each changed field's old and new value, named as
// the admin API names it (`token_ttl_seconds: 300 → 600`). A secret is never written, not even
// a hash of it: only that it changed.
import { changedOnly } from '../lib/changes';

/** One field's change: its old and new value, or just "changed" for a secret. */
export type FieldChange = { from: unknown; to: unknown } | 'changed';

/** The longest value text kept per side, so one audit row stays small whatever was pasted. */
const MAX_VALUE = 300;

/** tokenTtlSeconds → token_ttl_seconds: the record's names as the API and the forms show them. */
export const apiName = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A value small enough for the trail: long text and large structures are cut, with an ellipsis. */
function bounded(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'string') return value.length > MAX_VALUE ? `${value.slice(0, MAX_VALUE)}…` : value;
  if (value === null || typeof value !== 'object') return value;
  const json = JSON.stringify(value);
  return json.length > MAX_VALUE ? `${json.slice(0, MAX_VALUE)}…` : value;
}

/**
 * Each field of `changes` (what is being written) whose value differs from `before`'s, with both
 * values. Keys in `secrets` (a password, a client secret) are recorded as "changed" only.
 */
export function fieldChanges(before: object, changes: object, secrets: readonly string[] = []): Record<string, FieldChange> {
  const old = before as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(changedOnly(old, changes as Record<string, unknown>, secrets))
      .map(([key, value]) => [apiName(key), secrets.includes(key) ? 'changed' : { from: bounded(old[key]), to: bounded(value) }]),
  );
}

/** Secrets that were set: "changed" each (an identity source's client secret, a bind password). */
export function secretChanges(names: readonly string[]): Record<string, FieldChange> {
  return Object.fromEntries(names.map((name) => [apiName(name), 'changed' as const]));
}

/** A value as one line of text: lists joined, empty shown as such, objects as compact JSON. */
export function changeValueText(value: unknown): string {
  if (value === null || value === undefined) return '(none)';
  if (value === '') return '(empty)';
  if (Array.isArray(value)) return value.length === 0 ? '(empty)' : value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** "300 → 600", or "changed" for a secret. */
export function changeText(change: FieldChange): string {
  return change === 'changed' ? 'changed' : `${changeValueText(change.from)} → ${changeValueText(change.to)}`;
}


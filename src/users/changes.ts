// Groups as people type them, and what a user edit really changes.
import { changedOnly } from '../lib/changes';
import type { UserFields } from './input';
import type { User } from './user';

/**
 * The console's groups field: one group per line, so a name may hold commas, spaces or ";".
 * (CSV import uses ";" between groups in one cell; the API takes a JSON array.)
 */
export function splitGroupLines(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((g) => g.trim())
    .filter(Boolean);
}

/** The fields of `changes` that differ from the user's; a new password always counts. */
export function changedUserFields(user: User, changes: Partial<UserFields>): Partial<UserFields> {
  return changedOnly<UserFields>(user, changes, ['password']);
}

// Per-app access rules and their evaluation. Pure: the rule comes from the cached app record and
// the subject from the session (or, at the refresh grant, the user row), so the hot path needs
// no D1 query to decide. The rule's types are the app record's (src/policy/access.ts).
import type { AccessRule } from '../policy/access';

/** Who is asking: the user's id and their edge-sso groups. */
export interface AccessSubject {
  userId: string;
  groups: readonly string[];
}

/**
 * May this subject open an app with this rule? Everyone may, under "everyone"; otherwise the
 * user must be listed, or be in at least one listed group. A restricted rule with empty lists
 * admits no one (the admin API refuses to store one, but a stored rule is never read as "everyone").
 */
export function mayAccess(rule: AccessRule | null | undefined, subject: AccessSubject): boolean {
  if (rule === undefined || rule === null || rule === 'everyone') return true;
  if (rule.users.includes(subject.userId)) return true;
  return subject.groups.some((group) => rule.groups.includes(group));
}

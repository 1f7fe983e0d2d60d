// Per-app access rules and their evaluation. Pure: the rule comes from the cached app record and
// the subject from the session (or, at the refresh grant, the user row), so the hot path needs
// no D1 query to decide.

/** Who may open an app: everyone (the default), or only the listed groups and/or users. */
export type AccessRule = 'everyone' | RestrictedAccess;

export interface RestrictedAccess {
  /** Group names, matched exactly (as they appear in the `groups` claim). */
  groups: string[];
  /** User ids. */
  users: string[];
}

/** Who is asking: the user's id and their edge-sso groups. */
export interface AccessSubject {
  userId: string;
  groups: readonly string[];
}

export const EVERYONE: AccessRule = 'everyone';

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

/** The admin API's JSON shape of a rule. */
export function accessToJson(rule: AccessRule | null | undefined): 'everyone' | { groups: string[]; users: string[] } {
  if (!rule || rule === 'everyone') return 'everyone';
  return { groups: [...rule.groups], users: [...rule.users] };
}

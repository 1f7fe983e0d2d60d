// The app record's `access` field: who may open an app. Its types and JSON form live here, below
// both the app registry (src/apps/) that stores it and the access capability (src/access/) that
// evaluates it, so neither imports the other's layer.
import type { RestrictedAccess } from '../db/schema';

export type { RestrictedAccess };

/** Who may open an app: everyone (the default), or only the listed groups and/or users. */
export type AccessRule = 'everyone' | RestrictedAccess;

export const EVERYONE: AccessRule = 'everyone';

/** The admin API's JSON shape of a rule. */
export function accessToJson(rule: AccessRule | null | undefined): 'everyone' | { groups: string[]; users: string[] } {
  if (!rule || rule === 'everyone') return 'everyone';
  return { groups: [...rule.groups], users: [...rule.users] };
}

// Who a session is, for access rules: its user and the groups snapshotted into it at sign-in
// (profile.groups, the user's edge-sso groups, rewritten in place when an admin changes them; see
// refreshUserSessions in src/sessions/sessions.ts). Read from the session, so no D1 query.
import type { Session } from '../sessions/sessions';
import type { AccessSubject } from './policy';

export function sessionSubject(session: Pick<Session, 'userId' | 'profile'>): AccessSubject {
  return { userId: session.userId, groups: session.profile.groups ?? [] };
}

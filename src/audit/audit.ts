// The audit trail: every admin change and every sign-in, success or failure.
import { database } from '../db/client';
import { auditEvents } from '../db/schema';
import { clientIp, type AppContext } from '../http/context';
import { nowSeconds } from '../lib/time';
import { DEPLOYMENT, incrementStatement } from './counters';

export type AuditType =
  | 'login.success'
  | 'login.failure'
  | 'login.locked'
  | 'login.lockout'
  | 'lockout.unlock'
  | 'logout'
  | 'logout.backchannel'
  | 'logout.backchannel.failure'
  | 'key.rotate'
  | 'encryption.reencrypt'
  | 'data.export'
  | 'data.import'
  | 'branding.update'
  | 'app.create'
  | 'app.update'
  | 'app.delete'
  | 'app.secret.rotate'
  | 'app.secret.reveal'
  | 'app.secret.retire'
  | 'app.test'
  | 'user.create'
  | 'user.update'
  | 'user.delete'
  | 'user.sessions.revoke'
  | 'user.import'
  | 'source.create'
  | 'source.update'
  | 'source.delete'
  | 'source.test'
  | 'user.identity.unlink'
  | 'oidc.code'
  | 'oidc.reuse'
  | 'email.sent'
  | 'email.failed'
  | 'email.test'
  | 'access.denied'
  | 'mfa.failure'
  | 'mfa.enrol'
  | 'mfa.remove'
  | 'mfa.reset'
  | 'mfa.settings'
  | 'account.password'
  | 'account.session.end'
  | 'user.invite'
  | 'invite.accept'
  | 'signup.request'
  | 'signup.verify'
  | 'signup.approve'
  | 'signup.reject'
  | 'signup.settings'
  | 'password.reset.request'
  | 'password.reset'
  | 'email.change.request'
  | 'email.change'
  | 'email.change.cancel'
  | 'scim.token.create'
  | 'scim.token.revoke'
  | 'group.create'
  | 'group.update'
  | 'group.delete'
  | 'saml.assertion'
  | 'saml.refused';

export const AUDIT_TYPES: readonly AuditType[] = [
  'login.success', 'login.failure', 'login.locked', 'login.lockout', 'lockout.unlock', 'logout', 'logout.backchannel', 'logout.backchannel.failure',
  'app.create', 'app.update', 'app.delete', 'app.secret.rotate', 'app.secret.retire', 'app.secret.reveal', 'app.test',
  'user.create', 'user.update', 'user.delete', 'user.sessions.revoke', 'user.import',
  'key.rotate', 'encryption.reencrypt', 'data.export', 'data.import', 'branding.update', 'oidc.code', 'oidc.reuse', 'access.denied',
  'source.create', 'source.update', 'source.delete', 'source.test', 'user.identity.unlink',
  'email.sent', 'email.failed', 'email.test',
  'mfa.failure', 'mfa.enrol', 'mfa.remove', 'mfa.reset', 'mfa.settings', 'account.password', 'account.session.end',
  'user.invite', 'invite.accept', 'signup.request', 'signup.verify', 'signup.approve', 'signup.reject', 'signup.settings',
  'password.reset.request', 'password.reset', 'email.change.request', 'email.change', 'email.change.cancel',
  'scim.token.create', 'scim.token.revoke', 'group.create', 'group.update', 'group.delete',
  'saml.assertion', 'saml.refused',
];

export interface AuditEvent {
  type: AuditType;
  /** Who acted: a user id, "admin-api", or "anonymous". */
  actor: string;
  target?: string;
  detail?: Record<string, unknown>;
}

/** Length caps: an audit row stays small whatever text a request carried into it. */
export const AUDIT_TEXT_MAX = 320;
export const AUDIT_DETAIL_VALUE_MAX = 512;
const AUDIT_DETAIL_KEYS_MAX = 30;

function capValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > AUDIT_DETAIL_VALUE_MAX ? `${value.slice(0, AUDIT_DETAIL_VALUE_MAX)}…` : value;
  if (Array.isArray(value)) return value.slice(0, AUDIT_DETAIL_KEYS_MAX).map((v) => capValue(v, depth + 1));
  if (value && typeof value === 'object') {
    if (depth > 3) return '…';
    return Object.fromEntries(Object.entries(value).slice(0, AUDIT_DETAIL_KEYS_MAX).map(([k, v]) => [k.slice(0, 64), capValue(v, depth + 1)]));
  }
  return value;
}

/** Pure: the event with every field length-capped (actor, target, client address, each detail value). */
export function cappedEvent(event: AuditEvent, clientAddress: string) {
  const cap = (text: string) => (text.length > AUDIT_TEXT_MAX ? `${text.slice(0, AUDIT_TEXT_MAX)}…` : text);
  return {
    type: event.type,
    actor: cap(event.actor),
    target: cap(event.target ?? ''),
    clientIp: clientAddress.slice(0, 64),
    detail: capValue(event.detail ?? {}) as Record<string, unknown>,
  };
}

/** The daily counter an event adds one to (src/audit/counters.ts), if any. */
const COUNTED: Partial<Record<AuditType, 'signIns' | 'failures'>> = { 'login.success': 'signIns', 'login.failure': 'failures', 'mfa.failure': 'failures' };

/**
 * Writes the event after the response is sent; a failure to write is logged, never shown to the
 * user. A sign-in or a failure also counts toward the day's figures, in the same D1 call, unless
 * `counted` says the caller has counted it already (src/login/anonymous.ts).
 */
export function audit(c: AppContext, event: AuditEvent, options: { counted?: boolean } = {}): void {
  c.set('outcome', event.type);
  const db = database(c.env.DB);
  const insert = db.insert(auditEvents).values({ at: nowSeconds(), ...cappedEvent(event, clientIp(c)) });
  const counted = options.counted ? undefined : COUNTED[event.type];
  const write = (counted ? db.batch([insert, incrementStatement(db, DEPLOYMENT, counted)]) : insert)
    .then(
      () => undefined,
      (error: unknown) => console.error('audit write failed', event.type, error),
    );
  c.executionCtx.waitUntil(write);
}

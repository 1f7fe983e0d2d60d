// Sign-in assurance: what a session has proven (`amr`, RFC 8176 values) and, in one pure
// function, whether that is enough for what the request asks (decideAssurance).
//   pwd: a password          otp: a TOTP code        hwk / swk: a device-bound / synced passkey
//   kba: a recovery code     mfa: more than one factor (or a passkey verified with PIN/biometric)
// acr is derived from amr in src/tokens/acr.ts (re-exported here for the capability's callers).
import { hasMfa } from '../tokens/acr';
import { effectivePolicy, type MfaPolicy, type MfaSettings } from './policy';

export { ACR_MFA, ACR_SINGLE, acrFor, hasMfa } from '../tokens/acr';

/**
 * The `amr` after a second factor on top of `first`: both methods, and `mfa`. A method the sign-in
 * already used is no second factor (the same passkey twice is still one thing the user has):
 * then `first` is returned unchanged, and callers refuse it (see isSecondFactor).
 */
export function withSecondFactor(first: readonly string[], method: string): string[] {
  if (!isSecondFactor(first, method)) return [...new Set(first)];
  return [...new Set([...first.filter((m) => m !== 'mfa'), method, 'mfa'])];
}

/** Whether `method` is a factor the sign-in (`first`) has not used yet. */
export const isSecondFactor = (first: readonly string[], method: string) => !first.includes(method);

/** How long a sign-in or second factor counts as "recent" for changing one's own security settings. */
export const RECENT_AUTH_SECONDS = 600;

/**
 * What a request asks of the session:
 *   app              a token for an app (JWT SSO URL, OIDC authorize, code exchange, refresh);
 *                    `policy` is the app's own (undefined: it follows the global policy, as /my-apps does)
 *   console          the admin console: the global policy, or required when the console setting says so
 *   security-change  adding or removing a factor, changing the password or email: a recent proof
 */
export type AssuranceTarget =
  | { kind: 'app'; policy: MfaPolicy | undefined }
  | { kind: 'console' }
  | { kind: 'security-change'; now: number };

/** What is known of the user and the session, all of it in the KV session record on the hot path. */
export interface AssuranceProof {
  /** The session's (or grant's) methods. */
  amr: readonly string[];
  /** When the user last proved who they are (the session's auth_time). */
  authTime: number;
  /** The user has a second factor enrolled (an authenticator app or a passkey). */
  hasFactor: boolean;
  /** An admin requires a second factor of this user (users.mfa_required). */
  userRequired: boolean;
}

/**
 *   ok       go on (issue the token, show the page, make the change)
 *   step-up  ask this session for a second factor (no new password)
 *   enrol    the user must enrol a second factor first
 *   reauth   a user without a factor re-enters their password (a security change on an old session)
 */
export type Assurance = 'ok' | 'step-up' | 'enrol' | 'reauth';

/**
 * The one decision, pure, used by every path that issues a token or changes security settings.
 * Each app decides from its own effective policy: an `off` app accepts a password-only session and
 * this never lowers what another app needs, since every request decides afresh from the session.
 */
export function decideAssurance(settings: MfaSettings, target: AssuranceTarget, proof: AssuranceProof): Assurance {
  if (target.kind === 'security-change') {
    const recent = target.now - proof.authTime <= RECENT_AUTH_SECONDS;
    if (proof.hasFactor) return hasMfa(proof.amr) && recent ? 'ok' : 'step-up';
    return recent ? 'ok' : 'reauth';
  }
  if (hasMfa(proof.amr)) return 'ok';
  const policy = proof.userRequired ? 'required' : policyFor(settings, target);
  if (policy === 'required') return proof.hasFactor ? 'step-up' : 'enrol';
  return policy === 'optional' && proof.hasFactor ? 'step-up' : 'ok';
}

function policyFor(settings: MfaSettings, target: Exclude<AssuranceTarget, { kind: 'security-change' }>): MfaPolicy {
  if (target.kind === 'app') return effectivePolicy(settings.policy, target.policy);
  return settings.requireForConsole ? 'required' : settings.policy;
}

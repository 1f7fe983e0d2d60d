// Multi-factor policy: global (settings, the console's Sign-in security page) and per app
// (`apps.mfa`, its values in src/policy/mfa.ts). Pure evaluation here; the global settings are
// stored by ./settings.ts.
import { MFA_POLICIES, type MfaPolicy } from '../policy/mfa';
import { hasMfa } from './assurance';

export { MFA_POLICIES, type MfaPolicy };

export interface MfaSettings {
  policy: MfaPolicy;
  /** The admin console accepts only sessions with a second factor. */
  requireForConsole: boolean;
}

export const DEFAULT_MFA_SETTINGS: MfaSettings = { policy: 'optional', requireForConsole: false };

/** What applies to a sign-in for an app: an app's `required` or `off` wins over the global policy. */
export function effectivePolicy(global: MfaPolicy, app: MfaPolicy | undefined): MfaPolicy {
  if (app === 'required' || (app !== 'off' && global === 'required')) return 'required';
  if (app === 'off' || global === 'off') return 'off';
  return 'optional';
}

export type SignInStep = 'done' | 'second-factor' | 'enrol';

/** After the first factor: sign-in is done, needs the second factor, or needs the user to enrol one. */
export function nextStep(policy: MfaPolicy, hasFactor: boolean, amr: readonly string[]): SignInStep {
  if (hasMfa(amr) || policy === 'off') return 'done';
  if (hasFactor) return 'second-factor';
  return policy === 'required' ? 'enrol' : 'done';
}

/**
 * The hot path's check: pure, on the cached app record and the session (no D1). True when the app
 * requires MFA, or the sign-in's policy did (`mfaRequired`), and the session has no second factor.
 */
export const needsStepUp = (app: { mfa?: MfaPolicy }, session: { amr: readonly string[]; mfaRequired?: boolean }) =>
  (app.mfa === 'required' || session.mfaRequired === true) && !hasMfa(session.amr);

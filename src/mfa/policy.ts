// Multi-factor policy: global (settings, the console's Sign-in security page) and per app
// (`apps.mfa`, its values in src/policy/mfa.ts). The global settings are stored by ./settings.ts;
// what a session must have proven for a request is decided by ./assurance.ts.
//   off       the app accepts a session without a second factor (factors stay enrolled)
//   optional  users may enrol; a user with a factor gives it before a token
//   required  a user without a factor must enrol before any token is issued
import { MFA_POLICIES, type MfaPolicy } from '../policy/mfa';

export { MFA_POLICIES, type MfaPolicy };

export interface MfaSettings {
  policy: MfaPolicy;
  /** The admin console accepts only sessions with a second factor. */
  requireForConsole: boolean;
}

export const DEFAULT_MFA_SETTINGS: MfaSettings = { policy: 'optional', requireForConsole: false };

/** What applies to one app: an app's `required` or `off` wins over the global policy (for that app only). */
export function effectivePolicy(global: MfaPolicy, app: MfaPolicy | undefined): MfaPolicy {
  if (app === 'required' || (app !== 'off' && global === 'required')) return 'required';
  if (app === 'off' || global === 'off') return 'off';
  return 'optional';
}

// What a session's `amr` says (RFC 8176 values) and the `acr` tokens carry for it.
//   pwd: a password          otp: a TOTP code        hwk / swk: a device-bound / synced passkey
//   kba: a recovery code     mfa: more than one factor (or a passkey verified with PIN/biometric)
// acr: urn:edge-sso:mfa when `amr` has mfa, else urn:edge-sso:pwd (one factor: a password, an
// identity source's sign-in, or a passkey without user verification).

export const ACR_MFA = 'urn:edge-sso:mfa';
export const ACR_SINGLE = 'urn:edge-sso:pwd';

export const hasMfa = (amr: readonly string[] | undefined) => amr?.includes('mfa') ?? false;

export function acrFor(amr: readonly string[] | undefined): string {
  return hasMfa(amr) ? ACR_MFA : ACR_SINGLE;
}

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

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

/** The `amr` after a second factor on top of `first`: both methods, and `mfa`. */
export function withSecondFactor(first: readonly string[], method: string): string[] {
  return [...new Set([...first.filter((m) => m !== 'mfa'), method, 'mfa'])];
}

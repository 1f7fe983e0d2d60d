// The `acr` claim of a token, from the `amr` its session proved (RFC 8176 values): minted here,
// in the core, and read by the assurance decision (src/mfa/assurance.ts).
// acr: urn:edge-sso:mfa when `amr` has mfa, else urn:edge-sso:pwd (one factor: a password, an
// identity source's sign-in, or a passkey without user verification).
export const ACR_MFA = 'urn:edge-sso:mfa';
export const ACR_SINGLE = 'urn:edge-sso:pwd';

export const hasMfa = (amr: readonly string[] | undefined) => amr?.includes('mfa') ?? false;

export function acrFor(amr: readonly string[] | undefined): string {
  return hasMfa(amr) ? ACR_MFA : ACR_SINGLE;
}

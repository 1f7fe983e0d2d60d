// A SAML sign-in in progress, sealed into the URL it resumes at (/saml/sso/resume?request=…):
// anonymous requests write nothing, and the request is read and checked once, when it arrives.
// Sealed with AES-GCM under its own purpose and expiry, so it can be neither read nor forged.
// Replaying it is harmless for the reason a replayed flow is (src/sessions/flows.ts): it names a
// registered ACS of one app, and the assertion goes only there, for the session of the browser
// that presents it, after the access rule and MFA checks run again.
import type { NameIdFormat } from '../apps/saml';
import type { Bindings } from '../env';
import { open, seal, keyring } from '../lib/secret-box';
import { nowSeconds } from '../lib/time';

export const PENDING_TTL_SECONDS = 600;
const PURPOSE = 'saml-pending-request:v1';
const MAX_LENGTH = 8192;

export interface SamlRequest {
  clientId: string;
  /** The AuthnRequest's ID; absent for IdP-initiated sign-in. */
  id?: string;
  /** The registered ACS URL the answer goes to. */
  acsUrl: string;
  relayState?: string;
  nameIdFormat?: NameIdFormat;
  forceAuthn: boolean;
  isPassive: boolean;
}

export async function sealRequest(env: Pick<Bindings, 'KEY_ENCRYPTION_KEY' | 'KEY_ENCRYPTION_KEY_PREVIOUS'>, request: SamlRequest): Promise<string> {
  return seal(keyring(env), JSON.stringify({ ...request, exp: nowSeconds() + PENDING_TTL_SECONDS }), PURPOSE);
}

/** The sealed request, or null when it is missing, forged, altered or expired. */
export async function openRequest(env: Pick<Bindings, 'KEY_ENCRYPTION_KEY' | 'KEY_ENCRYPTION_KEY_PREVIOUS'>, value: string | undefined): Promise<SamlRequest | null> {
  if (!value || value.length > MAX_LENGTH) return null;
  let payload: SamlRequest & { exp?: unknown };
  try {
    payload = JSON.parse(await open(keyring(env), value, PURPOSE));
  } catch {
    return null;
  }
  if (typeof payload.exp !== 'number' || payload.exp <= nowSeconds()) return null;
  const { exp: _exp, ...request } = payload;
  return request;
}

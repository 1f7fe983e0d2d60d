// Which NameID an assertion carries, and its value:
//   email        the user's email address
//   persistent   a stable pseudonym per app: HMAC-SHA256 of the user id under the app's own key,
//                so it never changes for that app, and two apps cannot link their users by it
//   transient    a fresh random value at every sign-in
//   unspecified  the user's id (the `sub` of OIDC tokens)
// The AuthnRequest's NameIDPolicy wins when it asks for email or persistent; else the app's setting.
import type { NameIdFormat, SamlSettings } from '../apps/saml';
import { base64url, randomToken, utf8 } from '../lib/encoding';

export function chooseNameIdFormat(requested: NameIdFormat | undefined, configured: NameIdFormat): NameIdFormat {
  return requested === 'email' || requested === 'persistent' ? requested : configured;
}

const pseudonymKeys = new Map<string, Promise<CryptoKey>>();

function pseudonymKey(secret: string): Promise<CryptoKey> {
  let key = pseudonymKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', utf8(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    pseudonymKeys.set(secret, key);
  }
  return key;
}

/** The app's persistent NameID of a user. */
export async function persistentId(settings: Pick<SamlSettings, 'pseudonymKey'>, userId: string): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await pseudonymKey(settings.pseudonymKey), utf8(`saml-persistent:${userId}`));
  return base64url(new Uint8Array(mac));
}

export async function nameIdValue(format: NameIdFormat, settings: Pick<SamlSettings, 'pseudonymKey'>, user: { userId: string; email: string }): Promise<string> {
  switch (format) {
    case 'email':
      return user.email;
    case 'persistent':
      return persistentId(settings, user.userId);
    case 'transient':
      return `_${randomToken(20)}`;
    case 'unspecified':
      return user.userId;
  }
}

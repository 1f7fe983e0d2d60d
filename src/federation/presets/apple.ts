// Sign in with Apple. An OpenID Provider with two quirks: the client secret is not a stored
// string but an ES256 JWT the client signs with its private key (made at request time, so it is
// short-lived), and when name or email is requested the callback comes as a form POST
// (`response_mode=form_post`), with the user's name only on the first sign-in, in the `user`
// form field (Apple never puts the name in the ID token).
//
// Documentation:
// - Creating the client secret (iss = team id, sub = client id, aud, exp ≤ 6 months, kid header):
//   https://developer.apple.com/documentation/accountorganizationaldatasharing/creating-a-client-secret
// - Authorization request (response_mode=form_post, scope "name email") and the `user` field:
//   https://developer.apple.com/documentation/signinwithapple/request-an-authorization-to-the-sign-in-with-apple-server
// - Token endpoint and ID token claims (email_verified, is_private_email):
//   https://developer.apple.com/documentation/signinwithapplerestapi/generate-and-validate-tokens
// - Discovery: https://appleid.apple.com/.well-known/openid-configuration
import { importPKCS8, SignJWT } from 'jose';
import type { Preset, PresetContext } from '../types';
import { configString } from './fields';

export const APPLE_ISSUER = 'https://appleid.apple.com';
/** Apple refuses client secrets that expire more than 6 months (15777000 s) after they were issued. */
export const APPLE_MAX_SECRET_SECONDS = 15_777_000;
/** Ours are made per token request, so a few minutes is plenty. */
export const APPLE_SECRET_SECONDS = 300;
const APPLE_ID = /^[A-Z0-9]{10}$/;

export interface AppleSecretInput {
  team_id: string;
  key_id: string;
  /** The .p8 key downloaded from Apple: a PKCS#8 PEM of a P-256 key. */
  private_key: string;
  client_id: string;
  /** Seconds since the epoch; defaults to now. */
  now?: number;
  lifetime_seconds?: number;
}

/** The client secret Apple's token endpoint expects: an ES256 JWT signed with the team's key. */
export async function appleClientSecret(input: AppleSecretInput): Promise<string> {
  const lifetime = Math.min(input.lifetime_seconds ?? APPLE_SECRET_SECONDS, APPLE_MAX_SECRET_SECONDS);
  const now = input.now ?? Math.floor(Date.now() / 1000);
  const key = await importPKCS8(input.private_key.trim(), 'ES256');
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: input.key_id })
    .setIssuer(input.team_id)
    .setSubject(input.client_id)
    .setAudience(APPLE_ISSUER)
    .setIssuedAt(now)
    .setExpirationTime(now + lifetime)
    .sign(key);
}

const PEM = /^-----BEGIN PRIVATE KEY-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END PRIVATE KEY-----$/;
// DER encodings of the OIDs id-ecPublicKey (1.2.840.10045.2.1) and prime256v1 (1.2.840.10045.3.1.7).
const EC_PUBLIC_KEY = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const P256 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

function contains(bytes: Uint8Array, needle: number[]): boolean {
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * A synchronous check of a pasted .p8 key, for the form: PEM framing, base64 and the P-256 key
 * type. (Whether the key itself is intact shows when it first signs: Test connection.)
 */
export function checkApplePem(value: string): string | null {
  const match = PEM.exec(value.trim());
  if (!match) return 'must be the contents of the .p8 key file, from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----';
  let der: Uint8Array;
  try {
    der = Uint8Array.from(atob(match[1]!.replace(/\s+/g, '')), (ch) => ch.charCodeAt(0));
  } catch {
    return 'is not a readable key: copy the whole .p8 file again';
  }
  if (!contains(der, EC_PUBLIC_KEY) || !contains(der, P256)) return 'is not a Sign in with Apple key (those are P-256 EC keys): download the key again from Certificates, Identifiers & Profiles → Keys';
  return null;
}

/**
 * The name from the `user` form field Apple posts on the first sign-in:
 * `{"name":{"firstName":"…","lastName":"…"},"email":"…"}`. Anything else gives nothing.
 */
export function parseAppleUser(field: string | null | undefined): { given_name?: string; family_name?: string; name?: string } {
  if (!field) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(field);
  } catch {
    return {};
  }
  const name = typeof parsed === 'object' && parsed !== null ? (parsed as { name?: unknown }).name : undefined;
  if (typeof name !== 'object' || name === null) return {};
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, 200) : undefined);
  const given_name = text((name as { firstName?: unknown }).firstName);
  const family_name = text((name as { lastName?: unknown }).lastName);
  const full = [given_name, family_name].filter(Boolean).join(' ');
  return { given_name, family_name, name: full === '' ? undefined : full };
}

/**
 * Apple's ID token claims made standard: `email_verified` (and `is_private_email`) arrive as the
 * strings "true"/"false" in some tokens; the name from the first sign-in's `user` field is added.
 */
export function normalizeAppleClaims(claims: Record<string, unknown>, callback?: URLSearchParams): Record<string, unknown> {
  const bool = (v: unknown) => v === true || v === 'true';
  const out: Record<string, unknown> = { ...claims, email_verified: bool(claims.email_verified) };
  if (claims.is_private_email !== undefined) out.is_private_email = bool(claims.is_private_email);
  const names = parseAppleUser(callback?.get('user'));
  for (const [key, value] of Object.entries(names)) if (value !== undefined && out[key] === undefined) out[key] = value;
  return out;
}

function appleSecretInput(ctx: PresetContext): AppleSecretInput {
  return {
    team_id: configString(ctx, 'team_id') ?? '',
    key_id: configString(ctx, 'key_id') ?? '',
    private_key: ctx.secrets.private_key ?? '',
    client_id: ctx.client_id,
  };
}

const appleId = (what: string) => (value: string | string[]) =>
  typeof value === 'string' && APPLE_ID.test(value) ? null : `must be the 10-character ${what} (capital letters and digits)`;

export const apple: Preset = {
  type: 'apple',
  label: 'Apple',
  protocol: {
    kind: 'oidc',
    issuer: () => APPLE_ISSUER,
    // Apple's discovery lists only client_secret_post.
    token_auth: 'client_secret_post',
    claims: normalizeAppleClaims,
  },
  fields: [
    { name: 'team_id', label: 'Team ID', help: 'Top right of the Apple Developer account page, e.g. A1B2C3D4E5.', required: true, max: 10, validate: appleId('Team ID') },
    { name: 'key_id', label: 'Key ID', help: 'The ID of the Sign in with Apple key (Certificates, Identifiers & Profiles → Keys).', required: true, max: 10, validate: appleId('Key ID') },
    {
      name: 'private_key',
      label: 'Private key (.p8)',
      help: 'The contents of the AuthKey_<KeyID>.p8 file, including the BEGIN and END lines.',
      required: true,
      secret: true,
      kind: 'multiline',
      max: 1000,
      validate: (value) => (typeof value === 'string' ? checkApplePem(value) : 'must be text'),
    },
  ],
  sends_groups: false,
  default_scopes: ['openid', 'name', 'email'],
  response_mode: 'form_post',
  client_secret: (ctx) => appleClientSecret(appleSecretInput(ctx)),
  note: 'The client ID is the Services ID (e.g. com.example.signin). Apple sends the user’s name only on the first sign-in, and may hide the email behind a private relay address.',
  docs_url: 'https://developer.apple.com/documentation/signinwithapple/configuring-your-environment-for-sign-in-with-apple',
};

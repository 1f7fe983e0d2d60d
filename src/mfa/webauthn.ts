// Passkeys (WebAuthn) through @simplewebauthn/server: options, verification, and the credentials
// in D1. The RP ID is the issuer's host; the expected origin is the issuer's origin.
//
// Challenges are single use. Each is random, sealed into a short-lived cookie (./sealed.ts) with
// the time it was issued, and the cookie is cleared when used. An assertion is accepted only by
// one UPDATE that moves the credential's `last_used_at` (milliseconds) past the challenge's issue
// time, so a captured assertion (and its cookie) cannot be replayed: the row has moved on.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { and, desc, eq, lt, or, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { webauthnCredentials } from '../db/schema';
import { issuerOf, type AppContext } from '../http/context';
import { base64url, fromBase64url, utf8 } from '../lib/encoding';
import { nowSeconds } from '../lib/time';
import { clearCookie, readCookie, writeCookie } from '../http/cookies';
import { openValue, sealValue } from './sealed';
import { keyring } from '../lib/secret-box';

const CHALLENGE_COOKIE = 'edge-sso-webauthn';
const CHALLENGE_TTL_SECONDS = 300;
export const MAX_PASSKEYS = 20;
/** WebAuthn's limit on a credential ID (bytes): a longer one is refused at registration, where it could never be used. */
export const MAX_CREDENTIAL_ID_BYTES = 1023;
/** The longest base64url text of such an ID. */
const MAX_CREDENTIAL_ID_LENGTH = Math.ceil((MAX_CREDENTIAL_ID_BYTES * 4) / 3);

export interface RelyingParty {
  id: string;
  origin: string;
  name: string;
}

/** The relying party: the issuer's host and origin; `name` is what a passkey manager lists it as (the product's branding name). */
export function relyingParty(c: AppContext, name = 'edge-sso'): RelyingParty {
  const issuer = new URL(issuerOf(c));
  return { id: issuer.hostname, origin: issuer.origin, name };
}

interface Challenge {
  challenge: string;
  purpose: 'register' | 'authenticate';
  /** Milliseconds: a credential used since cannot answer this challenge. */
  issuedAt: number;
  userId?: string;
}

async function issueChallenge(c: AppContext, value: Challenge): Promise<void> {
  writeCookie(c, CHALLENGE_COOKIE, await sealValue(keyring(c.env), 'webauthn-challenge', value, CHALLENGE_TTL_SECONDS), CHALLENGE_TTL_SECONDS);
}

/** The challenge the browser was given for `purpose`, cleared so it is not offered twice. */
async function takeChallenge(c: AppContext, purpose: Challenge['purpose']): Promise<Challenge | null> {
  const value = await openValue<Challenge>(keyring(c.env), 'webauthn-challenge', readCookie(c, CHALLENGE_COOKIE));
  clearCookie(c, CHALLENGE_COOKIE);
  return value && value.purpose === purpose ? value : null;
}

export interface Passkey {
  id: string;
  name: string;
  deviceType: string;
  backedUp: boolean;
  createdAt: number;
  lastUsedAt: number | null;
}

export async function listPasskeys(db: Database, userId: string): Promise<Passkey[]> {
  const rows = await db.select().from(webauthnCredentials).where(eq(webauthnCredentials.userId, userId)).orderBy(desc(webauthnCredentials.createdAt));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    deviceType: r.deviceType,
    backedUp: r.backedUp,
    createdAt: r.createdAt,
    lastUsedAt: r.lastUsedAt === null ? null : Math.floor(r.lastUsedAt / 1000),
  }));
}

export async function removePasskey(db: Database, userId: string, id: string): Promise<boolean> {
  const deleted = await db
    .delete(webauthnCredentials)
    .where(and(eq(webauthnCredentials.id, id), eq(webauthnCredentials.userId, userId)))
    .returning({ id: webauthnCredentials.id });
  return deleted.length > 0;
}

/** Options for navigator.credentials.create(), and the challenge cookie. */
export async function registrationOptions(c: AppContext, db: Database, user: { id: string; email: string; name: string }, rpName?: string) {
  const rp = relyingParty(c, rpName);
  const existing = await db.select({ id: webauthnCredentials.id, transports: webauthnCredentials.transports }).from(webauthnCredentials).where(eq(webauthnCredentials.userId, user.id));
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email,
    userDisplayName: user.name || user.email,
    userID: utf8(user.id),
    attestationType: 'none',
    excludeCredentials: existing.map((e) => ({ id: e.id, transports: e.transports as AuthenticatorTransport[] })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
  });
  await issueChallenge(c, { challenge: options.challenge, purpose: 'register', issuedAt: Date.now(), userId: user.id });
  return options;
}

export type RegistrationOutcome = { ok: true; id: string } | { ok: false; reason: string };

export async function finishRegistration(c: AppContext, db: Database, userId: string, responseJson: string, name: string): Promise<RegistrationOutcome> {
  const challenge = await takeChallenge(c, 'register');
  if (!challenge || challenge.userId !== userId) return { ok: false, reason: 'The passkey request expired. Try again.' };
  const response = parseJson<RegistrationResponseJSON>(responseJson);
  if (!response) return { ok: false, reason: 'The browser sent no passkey.' };
  const rp = relyingParty(c);
  let verification;
  try {
    verification = await verifyRegistrationResponse({ response, expectedChallenge: challenge.challenge, expectedOrigin: rp.origin, expectedRPID: rp.id, requireUserVerification: false });
  } catch {
    return { ok: false, reason: 'The passkey could not be verified. Try again.' };
  }
  if (!verification.verified) return { ok: false, reason: 'The passkey could not be verified. Try again.' };
  const info = verification.registrationInfo;
  if (info.credential.id.length > MAX_CREDENTIAL_ID_LENGTH || fromBase64url(info.credential.id).length > MAX_CREDENTIAL_ID_BYTES) {
    return { ok: false, reason: 'This passkey cannot be used here (its ID is longer than WebAuthn allows). Try another authenticator.' };
  }
  // The count and the insert are one statement, so parallel registrations cannot pass the limit together.
  const t = webauthnCredentials;
  const inserted = await db.all<{ id: string }>(sql`
    insert into ${t} (id, user_id, public_key, counter, transports, device_type, backed_up, name, created_at)
    select ${info.credential.id}, ${userId}, ${base64url(info.credential.publicKey)}, ${info.credential.counter}, ${JSON.stringify(info.credential.transports ?? [])},
      ${info.credentialDeviceType}, ${info.credentialBackedUp ? 1 : 0}, ${name.trim().slice(0, 60) || 'Passkey'}, ${nowSeconds()}
    where (select count(*) from ${t} where ${t.userId} = ${userId}) < ${MAX_PASSKEYS}
    on conflict do nothing
    returning id`);
  if (inserted.length) return { ok: true, id: info.credential.id };
  const [taken] = await db.select({ id: t.id }).from(t).where(eq(t.id, info.credential.id)).limit(1);
  return { ok: false, reason: taken ? 'This passkey is registered already.' : `You have ${MAX_PASSKEYS} passkeys already. Remove one first.` };
}

/** Options for navigator.credentials.get(): the user's passkeys (second factor), or any discoverable one (passwordless). */
export async function authenticationOptions(c: AppContext, db: Database, userId?: string) {
  const rp = relyingParty(c);
  const allow = userId
    ? (await db.select({ id: webauthnCredentials.id, transports: webauthnCredentials.transports }).from(webauthnCredentials).where(eq(webauthnCredentials.userId, userId)))
    : [];
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    userVerification: 'preferred',
    allowCredentials: allow.map((a) => ({ id: a.id, transports: a.transports as AuthenticatorTransport[] })),
  });
  await issueChallenge(c, { challenge: options.challenge, purpose: 'authenticate', issuedAt: Date.now(), ...(userId ? { userId } : {}) });
  return options;
}

export type AuthenticationOutcome =
  | { ok: true; userId: string; amr: string[] }
  | { ok: false; reason: string };

/**
 * Verifies an assertion. For a second factor, `userId` must own the credential. `amr`: `hwk` for
 * a device-bound key, `swk` for a synced passkey, plus `mfa` when the authenticator verified the
 * user (PIN or biometric): possession and knowledge or inherence in one step.
 */
export async function finishAuthentication(c: AppContext, db: Database, responseJson: string, userId?: string): Promise<AuthenticationOutcome> {
  const refused = { ok: false as const, reason: 'That passkey was not accepted. Try again, or use another way to sign in.' };
  const challenge = await takeChallenge(c, 'authenticate');
  if (!challenge || challenge.userId !== userId) return { ok: false, reason: 'The passkey request expired. Try again.' };
  const response = parseJson<AuthenticationResponseJSON>(responseJson);
  if (!response || typeof response.id !== 'string' || response.id.length > MAX_CREDENTIAL_ID_LENGTH) return refused;
  const [row] = await db.select().from(webauthnCredentials).where(eq(webauthnCredentials.id, response.id)).limit(1);
  if (!row || (userId && row.userId !== userId)) return refused;
  const rp = relyingParty(c);
  let verification;
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: { id: row.id, publicKey: fromBase64url(row.publicKey), counter: row.counter, transports: row.transports as AuthenticatorTransport[] },
      requireUserVerification: false,
    });
  } catch {
    return refused;
  }
  if (!verification.verified) return refused;
  const info = verification.authenticationInfo;
  // Single use: only if the credential has not been used since this challenge was issued.
  const used = await db
    .update(webauthnCredentials)
    .set({ counter: info.newCounter, lastUsedAt: Math.max(Date.now(), challenge.issuedAt + 1), backedUp: info.credentialBackedUp })
    .where(and(eq(webauthnCredentials.id, row.id), or(isNull(webauthnCredentials.lastUsedAt), lt(webauthnCredentials.lastUsedAt, challenge.issuedAt))))
    .returning({ id: webauthnCredentials.id });
  if (!used.length) return refused;
  // The kind is the one stored at registration, not this assertion's backup-eligible flag: an
  // authenticator that flips the flag must not pass one passkey off as a second, different factor.
  const kind = row.deviceType === 'multiDevice' ? 'swk' : 'hwk';
  return { ok: true, userId: row.userId, amr: info.userVerified ? [kind, 'mfa'] : [kind] };
}

function parseJson<T>(text: string): T | null {
  if (text.length > 64 * 1024) return null;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as T) : null;
  } catch {
    return null;
  }
}

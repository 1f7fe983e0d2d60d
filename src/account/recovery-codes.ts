// Recovery codes are shown once: a new set travels to the page that shows it in a sealed cookie
// that lives a minute, with where to go on once they are saved (a path this server chose). A
// first second factor comes with a set at once, so nobody is left with a factor and no way back.
import { audit } from '../audit/audit';
import { dbOf, type AppContext } from '../http/context';
import { clearCookie, readCookie, writeCookie } from '../http/cookies';
import { keyring } from '../lib/secret-box';
import { generateFirstRecoveryCodes } from '../mfa/recovery';
import { openValue, sealValue } from '../mfa/sealed';

const CODES_COOKIE = 'edge-sso-recovery';
const CODES_KIND = 'recovery-codes';
const CODES_TTL_SECONDS = 60;
export const RECOVERY_CODES_PATH = '/account/recovery-codes';

export interface CodesToShow {
  codes: string[];
  /** Where "I have saved them" leads: the Account page, or the sign-in the enrolment was part of. */
  next: string;
  /** The factor whose first enrolment came with these codes. */
  added?: 'totp' | 'passkey';
}

/** Seals `shown` for RECOVERY_CODES_PATH, bound to the user. */
export async function showCodesNext(c: AppContext, userId: string, shown: CodesToShow): Promise<void> {
  writeCookie(c, CODES_COOKIE, await sealValue(keyring(c.env), `${CODES_KIND}:${userId}`, shown, CODES_TTL_SECONDS), CODES_TTL_SECONDS);
}

/** The codes to show now, once: the cookie is cleared whatever it held. */
export async function takeCodesToShow(c: AppContext, userId: string): Promise<CodesToShow | null> {
  const value = await openValue<CodesToShow>(keyring(c.env), `${CODES_KIND}:${userId}`, readCookie(c, CODES_COOKIE));
  clearCookie(c, CODES_COOKIE);
  return value ? { codes: value.codes, next: value.next ?? '/account', ...(value.added ? { added: value.added } : {}) } : null;
}

/**
 * After a factor was added: a user without unused recovery codes (a first enrolment, or every code
 * used up) gets a new set, to show at once. Returns false when they still have codes to use.
 */
export async function offerCodesAfterEnrolment(c: AppContext, userId: string, added: 'totp' | 'passkey', next: string): Promise<boolean> {
  const codes = await generateFirstRecoveryCodes(dbOf(c), userId);
  if (!codes) return false;
  audit(c, { type: 'mfa.enrol', actor: userId, target: userId, detail: { factor: 'recovery-codes', with: added } });
  await showCodesNext(c, userId, { codes, next, added });
  return true;
}

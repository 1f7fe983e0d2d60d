// The upstream attempt between /federation/<slug>/start and its callback: state, nonce and PKCE
// verifier, sealed (AES-GCM) in a short-lived __Host- cookie of this browser. Anonymous requests
// write nothing to storage; the cookie ties the callback to the browser that started it, and it
// is cleared at the callback that matches it, so a callback is honoured once.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import * as oauth from 'oauth4webapi';
import { open, seal, type Keyring } from '../lib/secret-box';
import { nowSeconds } from '../lib/time';
import type { UpstreamAttempt } from './types';

export const ATTEMPT_COOKIE = 'edge-sso-fed';
export const ATTEMPT_TTL_SECONDS = 600;
const PURPOSE = 'federation-attempt:v1';

export interface Attempt extends UpstreamAttempt {
  /** The source this attempt is for: a callback at another source's URL is refused. */
  slug: string;
  /** The pending sign-in to resume afterwards, if any. */
  flow?: string;
  /** Set by the console's Test connection: the admin's user id. The callback shows the result instead of signing in. */
  test_by?: string;
  exp: number;
}

export function newAttempt(slug: string, extra: Pick<Attempt, 'flow' | 'test_by'>): Attempt {
  return {
    slug,
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    code_verifier: oauth.generateRandomCodeVerifier(),
    ...extra,
    exp: nowSeconds() + ATTEMPT_TTL_SECONDS,
  };
}

/**
 * `form_post` callbacks are cross-site POSTs (Apple), which never carry SameSite=Lax cookies, so
 * for those sources the cookie is SameSite=None. It is sealed, single-use and short-lived either way.
 */
export async function writeAttempt(c: Context, kek: Keyring, attempt: Attempt, crossSitePost: boolean): Promise<void> {
  setCookie(c, ATTEMPT_COOKIE, await seal(kek, JSON.stringify(attempt), PURPOSE), {
    prefix: 'host',
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite: crossSitePost ? 'None' : 'Lax',
    maxAge: ATTEMPT_TTL_SECONDS,
  });
}

/** Why a callback is not this browser's attempt: no valid cookie, or one for another source or state. */
export type NotThisAttempt = 'no_attempt' | 'state_mismatch';

/**
 * The attempt this browser started for `slug` with this `state`, if its cookie is there, authentic
 * and not expired; else why not. The cookie is cleared only when it matches: a request that does
 * not match may be forged (another site can make a browser send a SameSite=None cookie with any
 * query or form it likes), and clearing the cookie there would cancel the sign-in in progress.
 */
export async function takeAttempt(c: Context, kek: Keyring, slug: string, state: string | null | undefined): Promise<Attempt | NotThisAttempt> {
  const attempt = await readAttempt(c, kek);
  if (!attempt) return 'no_attempt';
  if (attempt.slug !== slug || attempt.state !== state) return 'state_mismatch';
  deleteCookie(c, ATTEMPT_COOKIE, { prefix: 'host', path: '/', secure: true, httpOnly: true, sameSite: 'Lax' });
  return attempt;
}

async function readAttempt(c: Context, kek: Keyring): Promise<Attempt | null> {
  const sealed = getCookie(c, ATTEMPT_COOKIE, 'host');
  if (sealed === undefined || sealed.length > 4096) return null;
  try {
    const attempt = JSON.parse(await open(kek, sealed, PURPOSE)) as Attempt;
    return typeof attempt.exp === 'number' && attempt.exp > nowSeconds() ? attempt : null;
  } catch {
    return null;
  }
}

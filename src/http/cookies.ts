// The identity provider's cookies: `__Host-` prefixed (so Secure, Path=/, no Domain), HttpOnly, SameSite=Lax.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

export const SESSION_COOKIE = 'edge-sso-session';
export const CSRF_COOKIE = 'edge-sso-csrf';

export function readCookie(c: Context, name: string): string | undefined {
  return getCookie(c, name, 'host');
}

export function writeCookie(c: Context, name: string, value: string, maxAgeSeconds?: number): void {
  setCookie(c, name, value, { prefix: 'host', path: '/', secure: true, httpOnly: true, sameSite: 'Lax', maxAge: maxAgeSeconds });
}

export function clearCookie(c: Context, name: string): void {
  deleteCookie(c, name, { prefix: 'host', path: '/', secure: true, httpOnly: true, sameSite: 'Lax' });
}

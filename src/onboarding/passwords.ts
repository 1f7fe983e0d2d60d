// The rules a new password must meet (sign-up, invitation, reset): pure, so every form and the
// tests share them.
import { PASSWORD_MIN_LENGTH } from '../users/input';
import { isCommonPassword } from './common-passwords';

export const PASSWORD_MAX_LENGTH = 256;

/** Why a new password is refused, in words for the person choosing it; null when it is fine. */
export function newPasswordProblem(password: string, email: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (password.length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  if (password.trim() === '') return 'A password must not be made only of spaces.';
  if (password.includes('\u0000')) return 'A password must not contain NUL characters.';
  if (isCommonPassword(password)) return 'This password is one of the most common ones, which attackers try first. Choose another.';
  const lower = password.toLowerCase();
  const address = email.toLowerCase();
  if (lower === address || lower === address.slice(0, address.lastIndexOf('@'))) return 'A password must not be your email address.';
  return null;
}

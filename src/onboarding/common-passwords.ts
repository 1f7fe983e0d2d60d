// The most common passwords, refused for new passwords (sign-up, invitations, reset, change).
// Source: SecLists by Daniel Miessler and others (MIT licence),
// Passwords/Common-Credentials/10-million-password-list-top-1000.txt
// (https://github.com/danielmiessler/SecLists, commit 70db2eec76b76d23ed977b6a268fe365dca3470d):
// the most frequent passwords of Mark Burnett's 10 million password dump, one per line, as
// published (1,001 lines, 7,417 bytes) in ./common-passwords.txt. Updating it is replacing that
// file; wrangler bundles a .txt import as a text module (its default module rules).
import LIST from './common-passwords.txt';

const COMMON = new Set(LIST.split('\n').filter(Boolean).map((p) => p.toLowerCase()));

export const COMMON_PASSWORD_COUNT = COMMON.size;

/** Whether the password is one of the most common ones (compared without regard to case). */
export function isCommonPassword(password: string): boolean {
  return COMMON.has(password.toLowerCase());
}

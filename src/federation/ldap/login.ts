// What the login routes (src/login/routes.tsx) need for directory sources, kept here so their
// hunks stay small: which directory a login form is for, the password check to hand to
// checkSignIn, and how a directory's non-sign-in answers are audited and worded.
import { audit } from '../../audit/audit';
import { anonymousFailure } from '../../login/anonymous';
import type { AppContext } from '../../http/context';
import type { DirectoryPasswordCheck, SignInOutcome } from '../../login/sign-in';
import { SLUG_PATTERN } from '../../lib/slug';
import { refusalMessage } from '../linking';
import { loadServedSource, type SourceWithSecrets } from '../store';
import { DIRECTORY_TYPES, federatedPasswordCheck, signInWithDirectory } from './sign-in';

export const DIRECTORY_UNREACHABLE = 'The directory is unreachable; try again later.';
// Shown only after the directory accepted the password (like the local form's message).
const ACCOUNT_DISABLED = 'This account is disabled. Contact your administrator.';

/** The directory a login form signs in with (the `source` of an app whose primary source is a directory). */
export interface LoginDirectory {
  slug: string;
  name: string;
}

const remembered = new WeakMap<Request, { directory: LoginDirectory; found: SourceWithSecrets }>();

export const isDirectoryType = (type: string) => (DIRECTORY_TYPES as readonly string[]).includes(type);

/** Loads the enabled directory source named by a request's `source` (query or form field) and remembers it for this request's pages. */
export async function readLoginDirectory(c: AppContext, slug: unknown): Promise<LoginDirectory | null> {
  if (typeof slug !== 'string' || !SLUG_PATTERN.test(slug)) return null;
  const found = await loadServedSource(c.env, slug);
  if (!found || !isDirectoryType(found.source.type)) return null;
  const directory = { slug, name: found.source.name };
  remembered.set(c.req.raw, { directory, found });
  return directory;
}

/** The directory this request's login page is for, if any. */
export const loginDirectoryOf = (c: AppContext): LoginDirectory | undefined => remembered.get(c.req.raw)?.directory;

/** For the audit trail of a sign-in on a directory's form: which directory. */
export const directoryAuditDetail = (c: AppContext): { source?: string } => {
  const directory = loginDirectoryOf(c);
  return directory ? { source: directory.slug } : {};
};

/** The directory check for checkSignIn: only the form's directory, or else every directory marked for password login. */
export function directoryPasswordCheck(c: AppContext): DirectoryPasswordCheck {
  const chosen = remembered.get(c.req.raw);
  if (chosen) return { primary: true, check: (login, password, gate) => signInWithDirectory(c.env, chosen.found, login, password, {}, gate) };
  return { primary: false, check: (login, password, gate) => federatedPasswordCheck(c.env, login, password, gate) };
}

/** Audits a directory's answer that is not a sign-in, and says what the person sees. */
export async function directoryProblem(c: AppContext, { outcome }: Extract<SignInOutcome, { kind: 'directory' }>, detail: Record<string, unknown>): Promise<{ error: string; status: 403 | 503 }> {
  switch (outcome.kind) {
    case 'unavailable':
      // The detail (connection refused, service bind refused…) is for admins; people get the plain message.
      // Anyone can ask while the directory is down: counted per client address, not a row each.
      await anonymousFailure(c, { type: 'login.failure', actor: 'anonymous', target: '', detail: { ...detail, source: outcome.source, reason: 'directory_unavailable', upstream: outcome.detail } });
      console.error('directory unavailable', outcome.source, outcome.detail);
      return { error: DIRECTORY_UNREACHABLE, status: 503 };
    case 'disabled':
      audit(c, { type: 'login.failure', actor: 'anonymous', target: outcome.target, detail: { ...detail, source: outcome.source, reason: 'disabled' } });
      return { error: ACCOUNT_DISABLED, status: 403 };
    case 'refusal':
      audit(c, { type: 'login.failure', actor: 'anonymous', target: outcome.target, detail: { ...detail, source: outcome.source, reason: outcome.reason } });
      return { error: refusalMessage(outcome.reason, outcome.sourceName), status: 403 };
  }
}

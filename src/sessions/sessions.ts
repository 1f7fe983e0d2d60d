// Browser sessions at the identity provider, in KV. The cookie holds a random id; KV holds only
// its SHA-256, so a KV dump cannot be replayed as cookies. A new id is issued at every sign-in.
import type { AppContext } from '../http/context';
import { randomToken, sha256Hex } from '../lib/encoding';
import { nowSeconds } from '../lib/time';
import { profileClaims, type ProfileClaims, type User } from '../users/user';
import { clearCookie, readCookie, SESSION_COOKIE, writeCookie } from './cookies';
import { kvKeys, kvTtl } from './kv';

export interface SessionRecord {
  userId: string;
  /** When the user last proved who they are (the token's `auth_time`). */
  authTime: number;
  /** How: "pwd" for a password. */
  amr: string[];
  expiresAt: number;
  profile: ProfileClaims;
  roles: string[];
}

export interface Session extends SessionRecord {
  idHash: string;
}

interface UserSessionEntry {
  idHash: string;
  expiresAt: number;
}

/** The live session named by the request's cookie: one KV read, no D1 query. */
export async function readSession(c: AppContext): Promise<Session | null> {
  const id = readCookie(c, SESSION_COOKIE);
  if (!id || id.length > 100) return null;
  const idHash = await sha256Hex(id);
  const record = await c.env.KV.get<SessionRecord>(kvKeys.session(idHash), 'json');
  if (!record || record.expiresAt <= nowSeconds()) return null;
  return { ...record, idHash };
}

export async function startSession(
  c: AppContext,
  fields: Omit<SessionRecord, 'expiresAt' | 'authTime'>,
  ttlSeconds: number,
): Promise<Session> {
  const previous = readCookie(c, SESSION_COOKIE);
  if (previous) await endSessionById(c.env.KV, await sha256Hex(previous));
  const id = randomToken(32);
  const idHash = await sha256Hex(id);
  const now = nowSeconds();
  const record: SessionRecord = { ...fields, authTime: now, expiresAt: now + ttlSeconds };
  await c.env.KV.put(kvKeys.session(idHash), JSON.stringify(record), { expirationTtl: kvTtl(ttlSeconds) });
  await indexUserSession(c.env.KV, record.userId, { idHash, expiresAt: record.expiresAt });
  writeCookie(c, SESSION_COOKIE, id, ttlSeconds);
  return { ...record, idHash };
}

export async function endSession(c: AppContext): Promise<void> {
  const id = readCookie(c, SESSION_COOKIE);
  if (id && id.length <= 100) await endSessionById(c.env.KV, await sha256Hex(id));
  clearCookie(c, SESSION_COOKIE);
}

async function endSessionById(kv: KVNamespace, idHash: string): Promise<void> {
  await kv.delete(kvKeys.session(idHash));
}

async function userSessionEntries(kv: KVNamespace, userId: string): Promise<UserSessionEntry[]> {
  const entries = (await kv.get<UserSessionEntry[]>(kvKeys.userSessions(userId), 'json')) ?? [];
  const now = nowSeconds();
  return entries.filter((e) => e.expiresAt > now);
}

async function indexUserSession(kv: KVNamespace, userId: string, entry: UserSessionEntry): Promise<void> {
  const entries = [...(await userSessionEntries(kv, userId)), entry];
  const lastExpiry = Math.max(...entries.map((e) => e.expiresAt));
  await kv.put(kvKeys.userSessions(userId), JSON.stringify(entries), { expirationTtl: kvTtl(lastExpiry - nowSeconds()) });
}

/**
 * Signs a user out everywhere: after a password change, when disabled or deleted, or on request.
 * Returns how many sessions were live (the index also lists sessions already ended one by one).
 */
export async function endUserSessions(kv: KVNamespace, userId: string): Promise<number> {
  const entries = await userSessionEntries(kv, userId);
  const live = await Promise.all(
    entries.map(async ({ idHash }) => {
      const existed = (await kv.get(kvKeys.session(idHash))) !== null;
      await endSessionById(kv, idHash);
      return existed;
    }),
  );
  await kv.delete(kvKeys.userSessions(userId));
  return live.filter(Boolean).length;
}

/** Rewrites the profile snapshot in each of the user's sessions, so new tokens carry the change. */
export async function refreshUserSessions(kv: KVNamespace, userId: string, profile: ProfileClaims, roles: string[]): Promise<void> {
  const now = nowSeconds();
  await Promise.all(
    (await userSessionEntries(kv, userId)).map(async ({ idHash }) => {
      const record = await kv.get<SessionRecord>(kvKeys.session(idHash), 'json');
      if (!record || record.expiresAt <= now) return;
      await kv.put(kvKeys.session(idHash), JSON.stringify({ ...record, profile, roles }), {
        expirationTtl: kvTtl(record.expiresAt - now),
      });
    }),
  );
}


/** After an admin changes a user: a new password or a disabled account ends every session; other changes reach live sessions. */
export async function syncUserSessions(kv: KVNamespace, user: User, change: { passwordChanged: boolean }): Promise<void> {
  if (change.passwordChanged || user.disabled) await endUserSessions(kv, user.id);
  else await refreshUserSessions(kv, user.id, profileClaims(user), user.roles);
}

// Ending every token a user holds: their OIDC grants (so refresh tokens stop working and access
// tokens are refused at userinfo and introspection). In the core because the user store calls it
// when a password changes or an account is disabled; the OpenID Provider (src/oidc/) owns the
// grants otherwise.
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../db/client';
import { oauthGrants } from '../db/schema';

/** Ends every grant of a user: their refresh tokens stop working and their access tokens are refused. */
export async function revokeUserGrants(db: Database, userId: string, now: number): Promise<void> {
  await db.update(oauthGrants).set({ revokedAt: now }).where(and(eq(oauthGrants.userId, userId), isNull(oauthGrants.revokedAt)));
}

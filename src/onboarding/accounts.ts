// What onboarding needs to know about an account by its email: whether it has a password, and
// which identity sources (OIDC, OAuth2, LDAP) it signs in with.
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { identitySources, userIdentities, users } from '../db/schema';

export interface AccountFacts {
  id: string;
  email: string;
  name: string;
  disabled: boolean;
  hasPassword: boolean;
  sources: { slug: string; name: string }[];
}

export async function accountByEmail(db: Database, email: string): Promise<AccountFacts | null> {
  const [row] = await db.select().from(users).where(eq(users.email, email)).limit(1);
  if (!row) return null;
  const sources = await db
    .selectDistinct({ slug: identitySources.slug, name: identitySources.name })
    .from(userIdentities)
    .innerJoin(identitySources, eq(identitySources.slug, userIdentities.source))
    .where(eq(userIdentities.userId, row.id))
    .limit(20);
  return { id: row.id, email: row.email, name: row.name, disabled: row.disabled, hasPassword: row.passwordHash !== null, sources };
}

export const sourceNames = (sources: { name: string }[]) => sources.map((s) => s.name);

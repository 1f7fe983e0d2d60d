// Pure rules for who a federated sign-in is: the linked user, a newly linked or created one, or a
// refusal. Linking is by (source, upstream subject); an email alone links only when the admin
// trusts the source for it AND upstream says the email is verified ("nOAuth" protection), and
// never to an account with the admin role.
import type { MappedProfile } from './mapping';
import type { IdentitySource } from './types';

export type Refusal =
  /** An edge-sso account already has this email, and the source may not link to it. */
  | 'email_in_use'
  /** Provisioning is `existing` and no edge-sso account could be linked. */
  | 'not_provisioned'
  /** The email's domain is not in the source's allowed domains (or the email is not verified). */
  | 'domain_not_allowed'
  /** A new user needs an email address and upstream sent none. */
  | 'no_email'
  /** The edge-sso account is disabled. */
  | 'disabled';

export type LinkDecision =
  | { kind: 'linked'; userId: string }
  | { kind: 'link'; userId: string }
  | { kind: 'create' }
  | { kind: 'refuse'; reason: Refusal };

export interface LinkFacts {
  source: Pick<IdentitySource, 'provisioning' | 'allowed_domains' | 'trust_email_for_linking'>;
  profile: Pick<MappedProfile, 'email' | 'email_verified'>;
  /** The user already linked to (source, subject), if any. */
  linked: { id: string; disabled: boolean } | null;
  /** The local user with the profile's email, if any; `admin`: it has the admin role. */
  byEmail: { id: string; disabled: boolean; admin?: boolean } | null;
}

/** The domain of an email, lower case, or '' when it has none. */
export function emailDomain(email: string): string {
  const at = email.lastIndexOf('@');
  return at > 0 ? email.slice(at + 1).toLowerCase() : '';
}

/**
 * Whether the email may sign in through a source limited to `domains`. An empty list allows
 * everyone; otherwise the email must be verified upstream and its domain listed exactly
 * (`example.com` does not allow `sub.example.com` or `evil-example.com`).
 */
export function domainAllowed(profile: Pick<MappedProfile, 'email' | 'email_verified'>, domains: readonly string[]): boolean {
  if (domains.length === 0) return true;
  return profile.email_verified && domains.includes(emailDomain(profile.email));
}

export function decideLink(facts: LinkFacts): LinkDecision {
  const { source, profile, linked, byEmail } = facts;
  if (!domainAllowed(profile, source.allowed_domains)) return { kind: 'refuse', reason: 'domain_not_allowed' };
  if (linked) return linked.disabled ? { kind: 'refuse', reason: 'disabled' } : { kind: 'linked', userId: linked.id };
  if (byEmail) {
    if (!(source.trust_email_for_linking && profile.email_verified)) return { kind: 'refuse', reason: 'email_in_use' };
    // An upstream that lets people choose their address (a directory's self-writable `mail`) must
    // never hand over an admin: an admin account is linked by an admin or an invitation only.
    if (byEmail.admin) return { kind: 'refuse', reason: 'email_in_use' };
    return byEmail.disabled ? { kind: 'refuse', reason: 'disabled' } : { kind: 'link', userId: byEmail.id };
  }
  if (source.provisioning === 'existing') return { kind: 'refuse', reason: 'not_provisioned' };
  if (profile.email === '') return { kind: 'refuse', reason: 'no_email' };
  return { kind: 'create' };
}

/** What the person sees for each refusal: clear, and never more than they already know. */
export function refusalMessage(reason: Refusal, sourceName: string): string {
  switch (reason) {
    case 'email_in_use':
      return `An account with the email address you use at ${sourceName} already exists here, and it is not connected to ${sourceName}. Sign in the way you usually do, or ask your administrator to connect the accounts.`;
    case 'not_provisioned':
      return `Your ${sourceName} account does not have access here. Ask your administrator to give you an account.`;
    case 'domain_not_allowed':
      return `Accounts with this email address cannot sign in with ${sourceName} here. Use an account of your organisation, with a verified email address.`;
    case 'no_email':
      return `${sourceName} did not share an email address, which is needed to create your account. Allow access to your email address at ${sourceName} and try again.`;
    case 'disabled':
      return 'This account is disabled. Ask your administrator.';
  }
}

// The linking rules of a federated sign-in. The one that matters most: an upstream email alone
// never takes over an existing account unless the source is trusted for linking AND upstream
// says the email is verified ("nOAuth").
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideLink, domainAllowed, emailDomain, refusalMessage, type LinkFacts, type Refusal } from '../../src/federation/linking';

const SOURCE = { provisioning: 'create' as const, allowed_domains: [] as string[], trust_email_for_linking: false };
const ALICE = { id: 'user-alice', disabled: false };
const VERIFIED = { email: 'alice@example.com', email_verified: true };
const UNVERIFIED = { email: 'alice@example.com', email_verified: false };

const decide = (facts: Partial<LinkFacts>) => decideLink({ source: SOURCE, profile: VERIFIED, linked: null, byEmail: null, ...facts });

describe('decideLink', () => {
  it('signs in the user already linked to (source, subject), whatever the email says now', () => {
    expect(decide({ linked: ALICE, profile: { email: 'renamed@example.com', email_verified: false } })).toEqual({ kind: 'linked', userId: ALICE.id });
  });

  it('refuses a first sign-in whose email belongs to an existing account when the source is not trusted for linking', () => {
    expect(decide({ byEmail: ALICE })).toEqual({ kind: 'refuse', reason: 'email_in_use' });
  });

  it('refuses it when the source is trusted but upstream does not say the email is verified', () => {
    expect(decide({ byEmail: ALICE, profile: UNVERIFIED, source: { ...SOURCE, trust_email_for_linking: true } })).toEqual({ kind: 'refuse', reason: 'email_in_use' });
  });

  it('links it when the source is trusted and the email verified', () => {
    expect(decide({ byEmail: ALICE, source: { ...SOURCE, trust_email_for_linking: true } })).toEqual({ kind: 'link', userId: ALICE.id });
  });

  it('never links an account with the admin role by email alone, however trusted the source', () => {
    const trusted = { ...SOURCE, trust_email_for_linking: true };
    expect(decide({ byEmail: { ...ALICE, admin: true }, source: trusted })).toEqual({ kind: 'refuse', reason: 'email_in_use' });
    expect(decide({ linked: ALICE, byEmail: { ...ALICE, admin: true }, source: trusted })).toEqual({ kind: 'linked', userId: ALICE.id });
  });

  it('creates a new user when provisioning is on and nobody has the email', () => {
    expect(decide({})).toEqual({ kind: 'create' });
  });

  it('refuses unknown users when provisioning is "existing"', () => {
    expect(decide({ source: { ...SOURCE, provisioning: 'existing' } })).toEqual({ kind: 'refuse', reason: 'not_provisioned' });
    expect(decide({ source: { ...SOURCE, provisioning: 'existing' }, linked: ALICE })).toEqual({ kind: 'linked', userId: ALICE.id });
  });

  it('needs an email to create a user', () => {
    expect(decide({ profile: { email: '', email_verified: false } })).toEqual({ kind: 'refuse', reason: 'no_email' });
  });

  it('refuses disabled accounts, linked or linkable', () => {
    const disabled = { ...ALICE, disabled: true };
    expect(decide({ linked: disabled })).toEqual({ kind: 'refuse', reason: 'disabled' });
    expect(decide({ byEmail: disabled, source: { ...SOURCE, trust_email_for_linking: true } })).toEqual({ kind: 'refuse', reason: 'disabled' });
  });

  it('applies the allowed domains to every sign-in, linked users too', () => {
    const limited = { ...SOURCE, allowed_domains: ['corp.example'] };
    expect(decide({ source: limited })).toEqual({ kind: 'refuse', reason: 'domain_not_allowed' });
    expect(decide({ source: limited, linked: ALICE })).toEqual({ kind: 'refuse', reason: 'domain_not_allowed' });
    expect(decide({ source: limited, profile: { email: 'bob@corp.example', email_verified: true } })).toEqual({ kind: 'create' });
  });

  it('never links by email unless trusted AND verified, and never creates over an existing email (any facts)', () => {
    const user = fc.record({ id: fc.string({ minLength: 1 }), disabled: fc.boolean() });
    fc.assert(
      fc.property(
        fc.record({
          source: fc.record({ provisioning: fc.constantFrom('create' as const, 'existing' as const), allowed_domains: fc.array(fc.domain(), { maxLength: 3 }), trust_email_for_linking: fc.boolean() }),
          profile: fc.record({ email: fc.oneof(fc.constant(''), fc.emailAddress()), email_verified: fc.boolean() }),
          linked: fc.option(user, { nil: null }),
          byEmail: fc.option(user, { nil: null }),
        }),
        (facts) => {
          const decision = decideLink(facts);
          if (decision.kind === 'link') {
            expect(facts.source.trust_email_for_linking && facts.profile.email_verified).toBe(true);
            expect(decision.userId).toBe(facts.byEmail!.id);
          }
          if (decision.kind === 'create') {
            expect(facts.byEmail).toBeNull();
            expect(facts.linked).toBeNull();
            expect(facts.source.provisioning).toBe('create');
          }
          if (decision.kind === 'linked') expect(decision.userId).toBe(facts.linked!.id);
          if (decision.kind !== 'refuse') expect(domainAllowed(facts.profile, facts.source.allowed_domains)).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('domainAllowed', () => {
  it('matches the domain exactly, never a suffix or a look-alike', () => {
    const domains = ['example.com'];
    expect(domainAllowed({ email: 'a@example.com', email_verified: true }, domains)).toBe(true);
    for (const email of ['a@sub.example.com', 'a@evil-example.com', 'a@example.com.evil.io', 'example.com@evil.io', 'a@EXAMPLE.COM.', 'a@']) {
      expect(domainAllowed({ email, email_verified: true }, domains)).toBe(false);
    }
  });

  it('needs a verified email when domains are set; allows anyone when none are', () => {
    expect(domainAllowed({ email: 'a@example.com', email_verified: false }, ['example.com'])).toBe(false);
    expect(domainAllowed({ email: '', email_verified: false }, [])).toBe(true);
  });

  it('takes the domain after the last @', () => {
    expect(emailDomain('"a@b"@example.com')).toBe('example.com');
    expect(emailDomain('no-at-sign')).toBe('');
  });
});

describe('refusalMessage', () => {
  it('says what to do, names the source, and never includes the email', () => {
    const reasons: Refusal[] = ['email_in_use', 'not_provisioned', 'domain_not_allowed', 'no_email', 'disabled'];
    for (const reason of reasons) {
      const message = refusalMessage(reason, 'Acme SSO');
      expect(message.length).toBeGreaterThan(20);
      expect(message).not.toContain('@');
    }
    expect(refusalMessage('email_in_use', 'Acme SSO')).toContain('already exists');
  });
});

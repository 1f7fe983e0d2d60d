// The one assurance decision (src/mfa/assurance.ts), property-based over every input: global
// policy × app policy × console setting × the user's own requirement × enrolled factors × the
// session's amr (and, for security changes, how recent the proof is).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideAssurance, RECENT_AUTH_SECONDS, type AssuranceTarget } from '../../src/mfa/assurance';
import { MFA_POLICIES, type MfaSettings } from '../../src/mfa/policy';

const policy = fc.constantFrom(...MFA_POLICIES);
const settings: fc.Arbitrary<MfaSettings> = fc.record({ policy, requireForConsole: fc.boolean() });
const appTarget = fc.record({ kind: fc.constant('app' as const), policy: fc.option(policy, { nil: undefined }) });
const tokenTarget: fc.Arbitrary<AssuranceTarget> = fc.oneof(appTarget, fc.constant({ kind: 'console' as const }));
/** What sessions really carry: one first factor (password, upstream, a passkey with or without UV), maybe a second. */
const amr: fc.Arbitrary<string[]> = fc.oneof(
  fc.constantFrom<string[]>(['pwd'], ['fed'], ['hwk'], ['swk'], ['hwk', 'mfa'], ['swk', 'mfa'], ['pwd', 'otp', 'mfa'], ['pwd', 'hwk', 'mfa'], ['pwd', 'kba'], ['fed', 'mfa']),
  fc.array(fc.constantFrom('pwd', 'otp', 'hwk', 'swk', 'kba', 'fed', 'mfa'), { maxLength: 4 }),
);
const now = 2_000_000_000;
const proof = fc.record({ amr, authTime: fc.integer({ min: now - 3 * RECENT_AUTH_SECONDS, max: now }), hasFactor: fc.boolean(), userRequired: fc.boolean() });

/** The policy a target needs, written out plainly (the model the issue describes). */
function needed(s: MfaSettings, t: AssuranceTarget, userRequired: boolean): 'off' | 'optional' | 'required' {
  if (userRequired) return 'required';
  if (t.kind === 'console') return s.requireForConsole ? 'required' : s.policy;
  if (t.kind !== 'app') throw new Error('not a token target');
  if (t.policy === 'required' || t.policy === 'off') return t.policy;
  return s.policy;
}

describe('decideAssurance: tokens (SSO URL, OIDC authorize, code and refresh) and the console', () => {
  it('a session with a second factor always passes; without one: required → step-up or enrol, optional → step-up when the user has a factor, off → ok', () => {
    fc.assert(
      fc.property(settings, tokenTarget, proof, (s, t, p) => {
        const decision = decideAssurance(s, t, p);
        const policy = needed(s, t, p.userRequired);
        if (p.amr.includes('mfa')) expect(decision).toBe('ok');
        else if (policy === 'required') expect(decision).toBe(p.hasFactor ? 'step-up' : 'enrol');
        else if (policy === 'optional') expect(decision).toBe(p.hasFactor ? 'step-up' : 'ok');
        else expect(decision).toBe('ok');
      }),
      { numRuns: 2000 },
    );
  });

  it('no token without a second factor for a user who has one, unless the app itself (or everything) is off', () => {
    fc.assert(
      fc.property(settings, appTarget, proof, (s, t, p) => {
        fc.pre(p.hasFactor && !p.amr.includes('mfa'));
        const off = !p.userRequired && (t.policy === 'off' || (t.policy !== 'required' && s.policy === 'off'));
        expect(decideAssurance(s, t, p) === 'ok').toBe(off);
      }),
    );
  });

  it("an off app never lowers another app: each app's decision depends only on its own policy and the session", () => {
    fc.assert(
      fc.property(settings, policy, proof, (s, other, p) => {
        // The decision has no memory: having passed an `off` app leaves the session as it was.
        const before = decideAssurance(s, { kind: 'app', policy: other }, p);
        expect(decideAssurance(s, { kind: 'app', policy: 'off' }, p)).toBe(p.userRequired && !p.amr.includes('mfa') ? (p.hasFactor ? 'step-up' : 'enrol') : 'ok');
        expect(decideAssurance(s, { kind: 'app', policy: other }, p)).toBe(before);
      }),
    );
  });

  it("a user an admin requires a second factor of gets no token without one, whatever the policies", () => {
    fc.assert(
      fc.property(settings, tokenTarget, proof, (s, t, p) => {
        fc.pre(p.userRequired && !p.amr.includes('mfa'));
        expect(decideAssurance(s, t, p)).toBe(p.hasFactor ? 'step-up' : 'enrol');
      }),
    );
  });

  it('a passkey without user verification is one factor, like a password; with it, two', () => {
    const s: MfaSettings = { policy: 'optional', requireForConsole: false };
    const base = { authTime: now, hasFactor: true, userRequired: false };
    expect(decideAssurance(s, { kind: 'app', policy: undefined }, { ...base, amr: ['hwk'] })).toBe('step-up');
    expect(decideAssurance(s, { kind: 'app', policy: undefined }, { ...base, amr: ['pwd'] })).toBe('step-up');
    expect(decideAssurance(s, { kind: 'app', policy: undefined }, { ...base, amr: ['hwk', 'mfa'] })).toBe('ok');
  });
});

describe('decideAssurance: changing security settings', () => {
  it('needs a recent second factor, or for a user without one a recent sign-in; never enrol', () => {
    fc.assert(
      fc.property(settings, proof, (s, p) => {
        const decision = decideAssurance(s, { kind: 'security-change', now }, p);
        const recent = now - p.authTime <= RECENT_AUTH_SECONDS;
        if (p.hasFactor) expect(decision).toBe(p.amr.includes('mfa') && recent ? 'ok' : 'step-up');
        else expect(decision).toBe(recent ? 'ok' : 'reauth');
      }),
      { numRuns: 2000 },
    );
  });

  it('a password-only session of a user with a factor gets the step-up, however fresh', () => {
    const decision = decideAssurance({ policy: 'off', requireForConsole: false }, { kind: 'security-change', now }, { amr: ['pwd'], authTime: now, hasFactor: true, userRequired: false });
    expect(decision).toBe('step-up');
  });
});

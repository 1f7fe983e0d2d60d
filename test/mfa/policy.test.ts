// Policy evaluation, pure: which policy applies to an app, and the amr a second factor makes.
// The assurance decision itself is tested in ./assurance.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acrFor, withSecondFactor } from '../../src/mfa/assurance';
import { effectivePolicy, MFA_POLICIES } from '../../src/mfa/policy';

const policy = fc.constantFrom(...MFA_POLICIES);
const amr = fc.array(fc.constantFrom('pwd', 'otp', 'hwk', 'swk', 'fed', 'mfa'), { maxLength: 4 });

describe('MFA policy', () => {
  it("an app's required or off wins; otherwise the global policy applies", () => {
    fc.assert(
      fc.property(policy, fc.option(policy, { nil: undefined }), (global, app) => {
        const result = effectivePolicy(global, app);
        if (app === 'required') expect(result).toBe('required');
        else if (app === 'off') expect(result).toBe('off');
        else expect(result).toBe(global);
      }),
    );
  });

  it('a second factor adds its method and mfa once, and the acr follows', () => {
    fc.assert(
      fc.property(amr, fc.constantFrom('otp', 'hwk', 'swk'), (first, method) => {
        const after = withSecondFactor(first, method);
        if (first.includes(method)) {
          // The same method again is not a second factor: nothing changes.
          expect(new Set(after)).toEqual(new Set(first));
          return;
        }
        expect(after.filter((m) => m === 'mfa')).toHaveLength(1);
        expect(after).toContain(method);
        for (const m of first) expect(after).toContain(m);
        expect(acrFor(after)).toBe('urn:edge-sso:mfa');
      }),
    );
    expect(acrFor(['pwd'])).toBe('urn:edge-sso:pwd');
    expect(acrFor(undefined)).toBe('urn:edge-sso:pwd');
  });
});

// Microsoft Entra ID's tenant rules. A multi-tenant source ("organizations" or "common") reads a
// discovery document whose issuer is the template https://login.microsoftonline.com/{tenantid}/v2.0;
// a token is accepted only if its `iss` is exactly that template with `{tenantid}` replaced by
// the token's own `tid`, and (with an allow-list) only if that `tid` is listed. Users are
// identified by tid + oid, never by email.
//
// Microsoft's documentation for these rules:
// - https://learn.microsoft.com/en-us/entra/identity-platform/howto-convert-app-to-be-multi-tenant#update-your-code-to-handle-multiple-issuer-values
// - https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference (tid, oid, iss)
// - https://learn.microsoft.com/en-us/entra/identity-platform/claims-validation#validate-the-subject
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entra, entraAcceptsToken, entraExpectedIssuer, entraSubject, type EntraConfig } from '../../src/federation/presets/entra';
import type { OidcProtocol, PresetContext } from '../../src/federation/types';

const TEMPLATE = 'https://login.microsoftonline.com/{tenantid}/v2.0';
const issuerOf = (tid: string) => `https://login.microsoftonline.com/${tid}/v2.0`;
const CONTOSO = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const FABRIKAM = 'aaaabbbb-0000-cccc-1111-dddd2222eeee';
const OID = '00000000-0000-0000-66f3-3332eca7ea81';

const multi = (allowed: string[] = [], tenant: 'organizations' | 'common' = 'organizations'): EntraConfig => ({ tenant, allowed_tenants: allowed });
const ctx = (config: PresetContext['config']): PresetContext => ({ config, secrets: { client_secret: 's' }, client_id: 'app' });
const oidc = entra.protocol as OidcProtocol;

// Lower-case GUIDs, as Entra sends them.
const guid = fc.uuid().map((u) => u.toLowerCase());

describe('Entra multi-tenant issuer validation', () => {
  it('accepts a token whose iss is the template with its own tid', () => {
    expect(entraAcceptsToken(TEMPLATE, { tid: CONTOSO, iss: issuerOf(CONTOSO) }, multi())).toEqual({ ok: true });
    expect(entraExpectedIssuer(TEMPLATE, { tid: CONTOSO }, multi())).toBe(issuerOf(CONTOSO));
  });

  it.each([
    ['another tenant’s issuer', issuerOf(FABRIKAM)],
    ['the unreplaced template', TEMPLATE],
    ['the v1 issuer', `https://sts.windows.net/${CONTOSO}/`],
    ['a trailing slash', `${issuerOf(CONTOSO)}/`],
    ['another host', `https://login.microsoftonline.com.evil.example/${CONTOSO}/v2.0`],
    ['"common" in place of the tenant', issuerOf('common')],
    ['no issuer', undefined],
  ])('refuses a token with %s', (_, iss) => {
    expect(entraAcceptsToken(TEMPLATE, { tid: CONTOSO, iss }, multi())).toMatchObject({ ok: false });
  });

  it.each([
    ['no tid', {}],
    ['a tid that is not a GUID', { tid: 'contoso.onmicrosoft.com' }],
    ['a tid with a path in it', { tid: `${CONTOSO}/../x` }],
    ['a numeric tid', { tid: 42 }],
  ])('refuses a token with %s, saying why', (_, claims) => {
    expect(entraExpectedIssuer(TEMPLATE, claims, multi())).toEqual({ error: expect.stringMatching(/tenant id/) });
  });

  it('refuses a tenant outside the allow-list even when its issuer is right', () => {
    const result = entraAcceptsToken(TEMPLATE, { tid: FABRIKAM, iss: issuerOf(FABRIKAM) }, multi([CONTOSO]));
    expect(result).toEqual({ ok: false, error: expect.stringContaining('is not in this source') });
  });

  it('compares tenant ids without regard to case', () => {
    const upper = CONTOSO.toUpperCase();
    expect(entraAcceptsToken(TEMPLATE, { tid: CONTOSO, iss: issuerOf(CONTOSO) }, multi([upper.toLowerCase()]))).toEqual({ ok: true });
    expect(entraAcceptsToken(TEMPLATE, { tid: upper, iss: issuerOf(upper) }, multi([CONTOSO]))).toEqual({ ok: true });
  });

  it('property: a token is accepted exactly when its tenant is allowed and its iss is the template with its tid', () => {
    fc.assert(
      fc.property(
        guid,
        fc.array(guid, { maxLength: 4 }),
        fc.boolean(),
        fc.constantFrom<'organizations' | 'common'>('organizations', 'common'),
        fc.oneof(
          fc.constant('right'),
          guid.map((other) => issuerOf(other)),
          fc.constantFrom(TEMPLATE, 'https://login.microsoftonline.com/common/v2.0', `https://sts.windows.net/${CONTOSO}/`),
          fc.string(),
        ),
        (tid, others, listed, tenant, issChoice) => {
          const allowed = listed ? [...others, tid] : others;
          const iss = issChoice === 'right' ? issuerOf(tid) : issChoice;
          const shouldAccept = (allowed.length === 0 || allowed.includes(tid)) && iss === issuerOf(tid);
          const result = entraAcceptsToken(TEMPLATE, { tid, iss }, multi(allowed, tenant));
          expect(result.ok).toBe(shouldAccept);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('property: with a non-empty allow-list, no token from an unlisted tenant is ever accepted', () => {
    fc.assert(
      fc.property(fc.array(guid, { minLength: 1, maxLength: 5 }), guid, fc.string(), (allowed, tid, junk) => {
        fc.pre(!allowed.includes(tid));
        for (const iss of [issuerOf(tid), TEMPLATE, junk, issuerOf(allowed[0]!)]) {
          expect(entraAcceptsToken(TEMPLATE, { tid, iss }, multi(allowed)).ok).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('Entra single-tenant sources', () => {
  const single: EntraConfig = { tenant: CONTOSO, allowed_tenants: [] };

  it('accepts the configured tenant’s own issuer', () => {
    expect(entraAcceptsToken(issuerOf(CONTOSO), { tid: CONTOSO, iss: issuerOf(CONTOSO) }, single)).toEqual({ ok: true });
  });

  it('refuses a token from another tenant, whatever its issuer says', () => {
    expect(entraAcceptsToken(issuerOf(CONTOSO), { tid: FABRIKAM, iss: issuerOf(CONTOSO) }, single)).toMatchObject({ ok: false });
    expect(entraAcceptsToken(issuerOf(CONTOSO), { tid: FABRIKAM, iss: issuerOf(FABRIKAM) }, single)).toMatchObject({ ok: false });
  });

  it('refuses a template issuer for a source that names one tenant', () => {
    expect(entraExpectedIssuer(TEMPLATE, { tid: CONTOSO }, single)).toEqual({ error: expect.stringContaining('multi-tenant') });
  });

  it('property: only the configured tenant is ever accepted', () => {
    fc.assert(
      fc.property(guid, guid, (configured, tid) => {
        const result = entraAcceptsToken(issuerOf(configured), { tid, iss: issuerOf(configured) }, { tenant: configured, allowed_tenants: [] });
        expect(result.ok).toBe(tid === configured);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('Entra preset wiring', () => {
  it('reads discovery from the tenant’s v2.0 issuer (and a national cloud when set)', () => {
    expect(oidc.issuer(ctx({ tenant: 'organizations' }))).toBe('https://login.microsoftonline.com/organizations/v2.0');
    expect(oidc.issuer(ctx({ tenant: CONTOSO }))).toBe(issuerOf(CONTOSO));
    expect(oidc.issuer(ctx({ tenant: 'common', authority: 'https://login.microsoftonline.us/' }))).toBe('https://login.microsoftonline.us/common/v2.0');
  });

  it('applies the source’s allow-list through expectedIssuer', () => {
    const c = ctx({ tenant: 'common', allowed_tenants: [CONTOSO.toUpperCase()] });
    expect(oidc.expectedIssuer!(TEMPLATE, { tid: CONTOSO }, c)).toBe(issuerOf(CONTOSO));
    expect(oidc.expectedIssuer!(TEMPLATE, { tid: FABRIKAM }, c)).toEqual({ error: expect.any(String) });
  });

  it('treats Entra’s email as verified only with the optional xms_edov claim (domain owner verified)', () => {
    const claims = (extra: Record<string, unknown>) => oidc.claims!({ email: 'ceo@contoso.com', ...extra }, new URLSearchParams());
    // Whatever else the token says, no xms_edov means not verified: the email could be anyone's.
    expect(claims({ email_verified: true })).toMatchObject({ email_verified: false });
    expect(claims({})).toMatchObject({ email_verified: false });
    expect(claims({ xms_edov: false })).toMatchObject({ email_verified: false });
    expect(claims({ xms_edov: 'false' })).toMatchObject({ email_verified: false });
    expect(claims({ xms_edov: true })).toMatchObject({ email_verified: true });
    expect(claims({ xms_edov: '1' })).toMatchObject({ email_verified: true });
  });

  it('maps groups from app roles by default', () => {
    expect(entra.default_group_claim).toBe('roles');
  });
});

describe('Entra subject', () => {
  it('is tid:oid, lower case', () => {
    expect(entraSubject({ tid: CONTOSO.toUpperCase(), oid: OID, sub: 'pairwise-sub', email: 'a@contoso.com' })).toBe(`${CONTOSO}:${OID}`);
  });

  it('refuses a token without oid (or without tid) instead of falling back to sub or email', () => {
    expect(() => entraSubject({ tid: CONTOSO, sub: 'x', email: 'a@contoso.com' })).toThrow(/oid/);
    expect(() => entraSubject({ oid: OID, sub: 'x' })).toThrow(/tid/);
  });

  it('property: the subject depends on tid and oid only, never on email or name', () => {
    fc.assert(
      fc.property(guid, guid, guid, guid, fc.emailAddress(), fc.emailAddress(), (tid1, oid1, tid2, oid2, email1, email2) => {
        const a = entraSubject({ tid: tid1, oid: oid1, email: email1 });
        const b = entraSubject({ tid: tid2, oid: oid2, email: email2 });
        expect(a === b).toBe(tid1 === tid2 && oid1 === oid2);
        // Same email, different object: different users.
        if (oid1 !== oid2) expect(entraSubject({ tid: tid1, oid: oid1, email: email1 })).not.toBe(entraSubject({ tid: tid1, oid: oid2, email: email1 }));
      }),
      { numRuns: 500 },
    );
  });
});

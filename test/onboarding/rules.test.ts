// Pure rules: the allow-list, the domain list parser, and new-password rules, by the thousand
// where the input is hostile; and the rate-limit window in D1.
import { env } from 'cloudflare:test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/db/client';
import { COMMON_PASSWORD_COUNT, isCommonPassword } from '../../src/onboarding/common-passwords';
import { newPasswordProblem } from '../../src/onboarding/passwords';
import { pruneRateLimits, takeRequest } from '../../src/onboarding/rate-limit';
import { domainMayRegister, parseDomainList } from '../../src/onboarding/settings';

describe('domain allow-list', () => {
  it('allows exactly the listed domains, never a look-alike', () => {
    fc.assert(
      fc.property(fc.domain(), fc.emailAddress(), (domain, email) => {
        const at = email.lastIndexOf('@');
        const emailDomain = email.slice(at + 1).toLowerCase();
        expect(domainMayRegister(email, [domain.toLowerCase()])).toBe(emailDomain === domain.toLowerCase());
        expect(domainMayRegister(`x@sub.${domain}`, [domain.toLowerCase()])).toBe(false);
        expect(domainMayRegister(`x@evil-${domain}`, [domain.toLowerCase()])).toBe(false);
        expect(domainMayRegister(`x@${domain}@attacker.test`, [domain.toLowerCase()])).toBe(false);
        expect(domainMayRegister(email, [])).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('parses lists typed by admins: lines, commas, leading @, case; refuses what is not a domain', () => {
    expect(parseDomainList(' Example.com,\n@sub.Example.org  example.com ')).toEqual({ domains: ['example.com', 'sub.example.org'] });
    expect(parseDomainList('exa mple.com').problem).toBe('not a domain name: exa');
    expect(parseDomainList('localhost').problem).toContain('localhost');
    expect(parseDomainList('ex_ample.com').problem).toContain('ex_ample.com');
    fc.assert(
      fc.property(fc.array(fc.domain(), { maxLength: 20 }), (domains) => {
        expect(parseDomainList(domains.join('\n')).problem).toBeUndefined();
      }),
    );
  });
});

describe('new passwords', () => {
  it('ships the SecLists top-1000 list and refuses its entries in any case', () => {
    expect(COMMON_PASSWORD_COUNT).toBeGreaterThanOrEqual(990);
    for (const p of ['123456', 'password', 'qwertyuiop', 'trustno1', 'freepass', 'changeme', 'Password', 'PASSWORD', 'DrAgOn']) expect(isCommonPassword(p)).toBe(true);
    for (const p of ['correct horse battery', 'tangerine lighthouse 42']) expect(isCommonPassword(p)).toBe(false);
    expect(newPasswordProblem('baseball', 'a@example.com')).toContain('most common');
  });

  it('refuses short, blank, and the address itself; accepts long unusual ones', () => {
    expect(newPasswordProblem('short', 'a@example.com')).toContain('at least 8');
    expect(newPasswordProblem('         ', 'a@example.com')).toContain('spaces');
    expect(newPasswordProblem('ada.lovelace@example.com', 'Ada.Lovelace@example.com')).toContain('email');
    expect(newPasswordProblem('x'.repeat(257), 'a@example.com')).toContain('at most');
    fc.assert(
      fc.property(fc.string({ minLength: 12, maxLength: 64 }).filter((s) => s.trim() !== '' && !s.includes('\u0000')), (p) => {
        expect(newPasswordProblem(`${p}§9`, 'a@example.com')).toBeNull();
      }),
    );
  });
});

describe('onboarding rate limits', () => {
  it('count per address first, per email second, and forget ended windows', async () => {
    const db = database(env.DB);
    const now = 2_000_000_000;
    const ip = `ip-${crypto.randomUUID()}`;
    for (let i = 0; i < 3; i++) expect(await takeRequest(db, 'reset', ip, 'same@example.com', now)).toEqual({ allowed: true });
    expect(await takeRequest(db, 'reset', ip, 'SAME@example.com', now)).toEqual({ allowed: false, by: 'email' });
    expect(await takeRequest(db, 'reset', ip, 'same@example.com', now + 3600)).toEqual({ allowed: true }); // a new window
    for (let i = 0; i < 19; i++) await takeRequest(db, 'reset', ip, `other${i}@example.com`, now + 3600);
    const refused = await takeRequest(db, 'reset', ip, 'fresh@example.com', now + 3600);
    expect(refused).toEqual({ allowed: false, by: 'ip' });
    const rows = await env.DB.prepare("select count(*) as n from onboarding_rate_limits where key = 'reset:email:fresh@example.com'").first<{ n: number }>();
    expect(rows?.n).toBe(0); // a refused address writes nothing per email
    expect(await pruneRateLimits(db, now + 2 * 3600)).toBeGreaterThan(0);
    expect(await env.DB.prepare('select count(*) as n from onboarding_rate_limits where key like ?').bind(`reset:ip:${ip}`).first<{ n: number }>()).toEqual({ n: 0 });
  });
});

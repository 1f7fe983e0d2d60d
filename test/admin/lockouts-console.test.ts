// The console's Unlock form, in workerd with real D1: it accepts only the lockouts the
// Sign-in protection list shows, and audits each kind the way the admin API does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLockoutKey, throttleKeys } from '../../src/login/throttle';
import { admin, auditUntil, Browser, createUser, hiddenFields, ORIGIN, PASSWORD } from '../helpers';
import { lockedSecondFactor } from './lockouts-support';

async function consoleAt(path: string) {
  const adminUser = await createUser({ roles: ['admin'] });
  const browser = new Browser();
  expect((await browser.signInThrough(path, adminUser.email, PASSWORD)).status).toBe(200);
  return { adminUser, browser };
}

const unlockForm = (browser: Browser, csrf: string, key: string) =>
  browser.fetch('/admin/protection/unlock', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
    body: new URLSearchParams({ csrf, key }),
  });

describe('the console Unlock form', () => {
  it.each(['', 'foo', 'email:', 'ip:', 'mfa:', 'pending:abc', 'email:no-at-sign', 'mfa:a b', 'EMAIL:a@example.com', 'ip:192.0.2.1/24'])(
    'refuses the key %j with a 400 that says what it expects',
    async (key) => {
      const { browser } = await consoleAt('/admin/protection');
      await browser.fetch('/admin/protection');
      // Double-submit token: the page sets the cookie even when the list has no Unlock form.
      const csrf = browser.cookies.get('__Host-edge-sso-csrf')!;
      expect(csrf).toBeTruthy();
      const res = await unlockForm(browser, csrf, key);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('expected email:<address>, ip:<address>, mfa:<user id>');
    },
  );

  it('unlocks a second factor from the list, audited as mfa:<user id>; a malformed key beside it changes nothing', async () => {
    const { user } = await lockedSecondFactor();
    const { adminUser, browser } = await consoleAt('/admin/protection');
    const html = await (await browser.fetch('/admin/protection')).text();
    expect(html).toContain(`value="mfa:${user.id}"`);
    const csrf = hiddenFields(html).csrf!;

    expect((await unlockForm(browser, csrf, `mfa:${user.id} x`)).status).toBe(400);
    const still = (await (await admin('GET', '/lockouts')).json()) as { lockouts: Record<string, unknown>[] };
    expect(still.lockouts).toContainEqual(expect.objectContaining({ kind: 'mfa', user_id: user.id }));

    const res = await unlockForm(browser, csrf, `mfa:${user.id}`);
    expect(res.status).toBe(303);
    const after = (await (await admin('GET', '/lockouts')).json()) as { lockouts: Record<string, unknown>[] };
    expect(after.lockouts.some((l) => l.user_id === user.id)).toBe(false);
    const events = await auditUntil(`type=lockout.unlock&user=${user.id}`, (e) => e.length > 0);
    expect(events[0]).toMatchObject({ actor: adminUser.id, target: `mfa:${user.id}` });
  });
});

describe('parseLockoutKey', () => {
  it('reads back every key the lockouts list can show, naming it as the admin API audits it', () => {
    expect(parseLockoutKey('email:A@Example.com')).toEqual({ key: 'email:a@example.com', target: 'a@example.com' });
    expect(parseLockoutKey('ip:2001:db8::1')).toEqual({ key: 'ip:2001:db8::1', target: 'ip:2001:db8::1' });
    expect(parseLockoutKey('mfa:0b7c9f6e-1d2a-4b3c-8d4e-5f6a7b8c9d0e')).toEqual({ key: 'mfa:0b7c9f6e-1d2a-4b3c-8d4e-5f6a7b8c9d0e', target: 'mfa:0b7c9f6e-1d2a-4b3c-8d4e-5f6a7b8c9d0e' });
    fc.assert(fc.property(fc.uuid(), (id) => parseLockoutKey(throttleKeys.mfa(id))?.key === throttleKeys.mfa(id)));
    fc.assert(fc.property(fc.ipV4(), fc.ipV6(), (v4, v6) => parseLockoutKey(throttleKeys.ip(v4))?.key === `ip:${v4}` && parseLockoutKey(throttleKeys.ip(v6))?.key === `ip:${v6}`));
  });

  it('refuses any string not of those shapes', () => {
    fc.assert(
      fc.property(fc.string(), (raw) => {
        const parsed = parseLockoutKey(raw);
        if (parsed) expect(parsed.key).toMatch(/^(email:[^@\s]+@[^@\s]+|ip:[0-9A-Za-z.:%_-]+|mfa:[0-9A-Za-z_-]+)$/);
      }),
    );
  });
});

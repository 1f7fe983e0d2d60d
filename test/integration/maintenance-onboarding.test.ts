// The daily Cron Trigger meets onboarding: a sign-up that waits for approval holds a disabled
// account and a 30-day `approval` row. When nobody approves it in time, the row expires and is
// pruned; the account must go with it, or it stays disabled for ever, listed nowhere, and its
// address can never sign up again.
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bindings } from '../../src/env';
import { runMaintenance } from '../../src/maintenance/scheduled';
import { unique } from '../helpers';
import { adminCall, linkIn, mailsTo, Person } from '../onboarding/support';

const GOOD = 'tangerine lighthouse 42';
const DAY = 24 * 60 * 60;

afterEach(async () => {
  await adminCall('PATCH', '/signup', { enabled: false, allowed_domains: [], require_approval: false });
});

async function waitingSignup(): Promise<string> {
  expect((await adminCall('PATCH', '/signup', { enabled: true, allowed_domains: [], require_approval: true })).status).toBe(200);
  const email = `${unique('waiting')}@example.com`;
  const person = new Person();
  expect((await person.submit('/signup', '/signup', { name: 'Wanda', email, password: GOOD })).status).toBe(200);
  expect((await person.submit(linkIn(mailsTo(email).at(-1)), '/signup/verify', {})).status).toBe(200);
  return email;
}

async function usersWith(email: string): Promise<{ email: string; disabled: boolean }[]> {
  return ((await (await adminCall('GET', `/users?q=${encodeURIComponent(email)}`)).json()) as { users: { email: string; disabled: boolean }[] }).users;
}

describe('sign-ups nobody approved', () => {
  it('keep waiting within the 30 days, and are removed with their expired approval afterwards, so the address may sign up again', async () => {
    const email = await waitingSignup();
    const now = Math.floor(Date.now() / 1000);
    await runMaintenance(env as Bindings, now + DAY);
    expect(await usersWith(email)).toMatchObject([{ email, disabled: true }]);
    const pending = (await (await adminCall('GET', '/signups/pending')).json()) as { signups?: { email: string }[] } | { email: string }[];
    expect(JSON.stringify(pending)).toContain(email);

    await runMaintenance(env as Bindings, now + 31 * DAY);
    expect(await usersWith(email)).toEqual([]);
    // The address is free again: signing up sends a verification link, not "you already have an account".
    expect((await adminCall('PATCH', '/signup', { enabled: true, allowed_domains: [], require_approval: true })).status).toBe(200);
    const again = new Person();
    const before = mailsTo(email).length;
    expect((await again.submit('/signup', '/signup', { name: 'Wanda', email, password: GOOD })).status).toBe(200);
    expect(linkIn(mailsTo(email).at(before))).toMatch(/^\/signup\/verify\?token=/);
  });
});

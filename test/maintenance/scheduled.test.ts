// The daily Cron Trigger: audit retention (AUDIT_RETENTION_DAYS, 400 by default), and expired rows
// of sign-in protection and the session index. Run through the Worker's real `scheduled` handler.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../../src/index';
import { runMaintenance } from '../../src/maintenance/scheduled';
import { admin, Browser, createApp, createUser, hiddenFields, unique } from '../helpers';
import { codeFor, enrolTotp, form, signedIn, throughRecoveryCodes } from '../mfa/support';

const DAY = 86_400;
const now = () => Math.floor(Date.now() / 1000);

afterEach(() => vi.restoreAllMocks());

async function runCron(bindings: typeof env = env) {
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '17 3 * * *' }), bindings, ctx);
  await waitOnExecutionContext(ctx);
}

async function addAuditEvent(target: string, ageDays: number) {
  await env.DB.prepare("insert into audit_events (at, type, actor, target) values (?, 'login.failure', 'anonymous', ?)")
    .bind(now() - Math.round(ageDays * DAY), target)
    .run();
}

async function auditTargets(tag: string): Promise<string[]> {
  const { results } = await env.DB.prepare('select target from audit_events where target like ? order by target').bind(`${tag}%`).all<{ target: string }>();
  return results.map((r) => r.target);
}

async function throttleKeys(tag: string): Promise<string[]> {
  const { results } = await env.DB.prepare('select key from login_throttle where key like ? order by key').bind(`%${tag}%`).all<{ key: string }>();
  return results.map((r) => r.key);
}

describe('the scheduled handler', () => {
  it('deletes audit events older than 400 days by default and keeps the rest', async () => {
    const tag = unique('retained');
    await addAuditEvent(`${tag}-a-401-days`, 401);
    await addAuditEvent(`${tag}-b-399-days`, 399);
    await addAuditEvent(`${tag}-c-today`, 0);
    await runCron();
    expect(await auditTargets(tag)).toEqual([`${tag}-b-399-days`, `${tag}-c-today`]);
  });

  it('follows AUDIT_RETENTION_DAYS', async () => {
    const tag = unique('short');
    await addAuditEvent(`${tag}-a-31-days`, 31);
    await addAuditEvent(`${tag}-b-29-days`, 29);
    await runCron({ ...env, AUDIT_RETENTION_DAYS: '30' });
    expect(await auditTargets(tag)).toEqual([`${tag}-b-29-days`]);
  });

  it('deletes throttle rows that no longer hold anything, and keeps locks, recent failures and checks in flight', async () => {
    const tag = unique('thr');
    const t = now();
    const reset = 12 * 60 * 60;
    const rows: [string, number, number, number, number][] = [
      // key, failures, last_failure_at, locked_until, pending_until
      [`email:${tag}-quiet@example.com`, 5, t - reset - 60, 0, 0],
      [`ip:${tag}-lock-ran-out`, 100, t - reset - 60, t - reset, 0],
      [`email:${tag}-recent@example.com`, 3, t - 60, 0, 0],
      [`email:${tag}-locked@example.com`, 30, t - reset - 60, t + 600, 0],
      [`email:${tag}-in-flight@example.com`, 0, 0, 0, t + 20],
    ];
    for (const [key, failures, last, locked, pendingUntil] of rows) {
      await env.DB.prepare('insert into login_throttle (key, failures, first_failure_at, last_failure_at, locked_until, pending, pending_until) values (?, ?, ?, ?, ?, ?, ?)')
        .bind(key, failures, last, last, locked, pendingUntil ? 1 : 0, pendingUntil)
        .run();
    }
    await runCron();
    expect(await throttleKeys(tag)).toEqual([`email:${tag}-in-flight@example.com`, `email:${tag}-locked@example.com`, `email:${tag}-recent@example.com`]);
  });

  it('deletes expired rows of the session index and keeps live ones', async () => {
    const user = await createUser();
    const t = now();
    for (const [hash, expires] of [
      ['expired-1', t - 10],
      ['expired-2', t - DAY],
      ['live-1', t + 3600],
    ] as const) {
      await env.DB.prepare('insert into user_sessions (id_hash, user_id, created_at, expires_at) values (?, ?, ?, ?)').bind(`${user.id}-${hash}`, user.id, t - 2 * DAY, expires).run();
    }
    await runCron();
    const { results } = await env.DB.prepare('select id_hash from user_sessions where user_id = ?').bind(user.id).all<{ id_hash: string }>();
    expect(results.map((r) => r.id_hash)).toEqual([`${user.id}-live-1`]);
  });

  it('prunes expired OIDC rows: a revoked access token id past its expiry goes, a live one stays', async () => {
    const tag = unique('jti');
    await env.DB.prepare('insert into oauth_revoked_jtis (jti, expires_at) values (?, ?), (?, ?)').bind(`${tag}-old`, now() - 1, `${tag}-live`, now() + 600).run();
    await runCron();
    const { results } = await env.DB.prepare('select jti from oauth_revoked_jtis where jti like ?').bind(`${tag}%`).all<{ jti: string }>();
    expect(results.map((r) => r.jti)).toEqual([`${tag}-live`]);
  });

  it('erases a previous client secret once its grace period is over, and keeps one still in grace', async () => {
    const over = await createApp();
    const inGrace = await createApp();
    for (const app of [over, inGrace]) expect((await admin('POST', `/apps/${app.client_id}/secret`, {})).status).toBe(200);
    await env.DB.prepare('update apps set previous_secret_expires_at = ? where client_id = ?').bind(now() - 1, over.client_id).run();
    await runCron();
    const previous = async (clientId: string) =>
      (await env.DB.prepare('select previous_secret_encrypted as p from apps where client_id = ?').bind(clientId).first<{ p: string | null }>())?.p;
    expect(await previous(over.client_id)).toBeNull();
    expect(await previous(inGrace.client_id)).toEqual(expect.any(String));
  });
});

describe('unconfirmed authenticator-app enrolments', () => {
  const totpRow = (userId: string) =>
    env.DB.prepare('select secret_encrypted as secret, confirmed_at as confirmedAt from mfa_totp where user_id = ?').bind(userId).first<{ secret: string; confirmedAt: number | null }>();
  const ageRow = (userId: string, seconds: number) => env.DB.prepare('update mfa_totp set created_at = ? where user_id = ?').bind(now() - seconds, userId).run();
  const accountSecret = async (browser: Browser) => /<code id="totp-secret">([A-Z2-7]+)<\/code>/.exec(await (await browser.fetch('/account')).text())![1]!;

  it('are deleted a day after they started; one in progress within the day and confirmed ones stay', async () => {
    const stale = await createUser();
    const staleBrowser = await signedIn(stale.email);
    const abandonedSecret = await accountSecret(staleBrowser);
    await ageRow(stale.id, DAY + 60);

    const midway = await createUser();
    const midwayBrowser = await signedIn(midway.email);
    const midwaySecret = await accountSecret(midwayBrowser);
    await ageRow(midway.id, DAY - 3600);

    const confirmed = await createUser();
    expect((await enrolTotp(await signedIn(confirmed.email))).res.status).toBe(303);
    await ageRow(confirmed.id, 30 * DAY);

    await runCron();
    expect(await totpRow(stale.id)).toBeNull();
    expect(await totpRow(midway.id)).toMatchObject({ confirmedAt: null });
    expect(await totpRow(confirmed.id)).toMatchObject({ confirmedAt: expect.any(Number) });

    // The user mid-enrolment finishes with the secret they scanned.
    const html = await (await midwayBrowser.fetch('/account')).text();
    expect(html).toContain(midwaySecret);
    const done = await midwayBrowser.fetch('/account/totp', form({ csrf: hiddenFields(html).csrf!, code: await codeFor(midwaySecret) }));
    await throughRecoveryCodes(midwayBrowser, done, '/account?done=totp');
    // The one who abandoned it starts again with a new secret.
    expect(await accountSecret(staleBrowser)).not.toBe(abandonedSecret);
  });
});

describe('the pruner list', () => {
  it('runs every pruner even when one fails, and reports what each removed', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const ran: string[] = [];
    const report = await runMaintenance(env, now(), [
      { name: 'first', prune: async () => (ran.push('first'), 2) },
      { name: 'broken', prune: async () => Promise.reject(new Error('D1 is down')) },
      { name: 'last', prune: async () => (ran.push('last'), 0) },
    ]);
    expect(ran).toEqual(['first', 'last']);
    expect(report).toEqual({ first: 2, broken: 'failed', last: 0 });
    expect(error).toHaveBeenCalledWith('maintenance: pruner failed', 'broken', 'Error: D1 is down');
  });
});

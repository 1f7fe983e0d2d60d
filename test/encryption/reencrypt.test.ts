// Re-sealing after a KEK rotation: every sealed column is covered, what still needs the previous
// key is counted without decrypting, re-encryption moves all of it (and only it) to the new key,
// and afterwards the previous key can go without anything becoming unreadable.
import { env } from 'cloudflare:workers';
import { getTableColumns } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { readClientSecrets, rotateClientSecret } from '../../src/apps/secrets';
import { database } from '../../src/db/client';
import * as schema from '../../src/db/schema';
import { countNotCurrent, reencryptStoredValues } from '../../src/encryption/reencrypt';
import { SEALED_COLUMNS } from '../../src/encryption/sealed-columns';
import { keyring, seal } from '../../src/lib/secret-box';
import { pendingTotpSecret } from '../../src/mfa/totp-store';
import { runMaintenance } from '../../src/maintenance/scheduled';
import { admin, createApp, createUser } from '../helpers';

const OLD = keyring(env);
const NEW_KEY = 'the-next-key-encryption-key-0123456789abcdef';
const ROTATING = { current: NEW_KEY, previous: OLD.current };
const AFTER = { current: NEW_KEY };
const db = database(env.DB);

describe('re-encrypting after a KEK rotation', () => {
  it('lists every sealed column of the schema', () => {
    const sealedInSchema = Object.entries(schema)
      .flatMap(([, table]) => (table && typeof table === 'object' && Symbol.for('drizzle:IsDrizzleTable') in table ? (Object.values(getTableColumns(table as never)) as { name: string }[]) : []))
      .filter((column) => column.name.endsWith('_encrypted'))
      .map((column) => column.name)
      .sort();
    expect(SEALED_COLUMNS.map((c) => c.name.split('.')[1]).sort()).toEqual(sealedInSchema);
  });

  it('moves every value to the new key, then the previous key can be removed', async () => {
    const app = await createApp();
    const { secret } = await rotateClientSecret(db, OLD, app.client_id, 3600); // a current and a previous secret
    const user = await createUser();
    const totp = await pendingTotpSecret(db, OLD, user.id);
    const before = await countNotCurrent(db, ROTATING);
    expect(before.columns['apps.secret_encrypted']).toBeGreaterThanOrEqual(1);
    expect(before.columns['apps.previous_secret_encrypted']).toBeGreaterThanOrEqual(1);
    expect(before.columns['signing_keys.private_jwk_encrypted']).toBeGreaterThanOrEqual(2);
    expect(before.columns['mfa_totp.secret_encrypted']).toBeGreaterThanOrEqual(1);
    // Under the old key nothing needs moving.
    expect((await countNotCurrent(db, OLD)).total).toBe(0);
    // While rotating, everything still opens: the previous key is tried second.
    expect((await readClientSecrets(db, ROTATING, app.client_id)).current).toBe(secret);

    // Bounded, as the Cron Trigger does it.
    const first = await reencryptStoredValues(db, ROTATING, 2);
    expect(first).toEqual({ reencrypted: 2, remaining: before.total - 2, unreadable: 0 });
    const rest = await reencryptStoredValues(db, ROTATING);
    expect(rest).toEqual({ reencrypted: before.total - 2, remaining: 0, unreadable: 0 });
    expect(await reencryptStoredValues(db, ROTATING)).toEqual({ reencrypted: 0, remaining: 0, unreadable: 0 });

    // The previous key is gone: everything opens with the new one alone.
    const secrets = await readClientSecrets(db, AFTER, app.client_id);
    expect(secrets.current).toBe(secret);
    expect(secrets.previous!.secret).toBe(app.client_secret);
    expect(await pendingTotpSecret(db, AFTER, user.id)).toBe(totp);

    // Put things back under the test key for the other tests of this file's isolate.
    expect((await reencryptStoredValues(db, { current: OLD.current, previous: NEW_KEY })).remaining).toBe(0);
  });

  it('skips and counts values no key opens, erasing nothing', async () => {
    const app = await createApp();
    const stranger = await seal({ current: 'a-key-this-deployment-never-had-0123456789' }, 'x', `app-secret:${app.client_id}`);
    await env.DB.prepare('UPDATE apps SET secret_encrypted = ? WHERE client_id = ?').bind(stranger, app.client_id).run();
    const report = await reencryptStoredValues(db, OLD);
    expect(report).toMatchObject({ reencrypted: 0, remaining: 1, unreadable: 1 });
    const row = await env.DB.prepare('SELECT secret_encrypted AS s FROM apps WHERE client_id = ?').bind(app.client_id).first<{ s: string }>();
    expect(row!.s).toBe(stranger);
    await env.DB.prepare('DELETE FROM apps WHERE client_id = ?').bind(app.client_id).run();
  });

  it('the admin API reports and re-encrypts; the daily maintenance runs a bounded batch', async () => {
    const status = await admin('GET', '/encryption');
    expect(status.status, await status.clone().text()).toBe(200);
    expect(await status.json()).toMatchObject({ previous_key_configured: false, remaining: 0 });
    const res = await admin('POST', '/encryption/reencrypt');
    expect(await res.json()).toEqual({ reencrypted: 0, remaining: 0, unreadable: 0 });
    const report = await runMaintenance(env);
    expect(report.reencrypt).toBe(0);
  });
});

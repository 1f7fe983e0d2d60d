// /api/admin/encryption: key-encryption-key rotation (src/encryption/). GET says how many stored
// values still need KEY_ENCRYPTION_KEY_PREVIOUS; POST /reencrypt re-seals all of them now.
import { Hono } from 'hono';
import { audit } from '../../audit/audit';
import { countNotCurrent, reencryptStoredValues } from '../../encryption/reencrypt';
import type { AppEnv } from '../../http/context';
import { keyring } from '../../lib/secret-box';
import { API_ACTOR, db } from './request';

export const encryptionApi = new Hono<AppEnv>();

encryptionApi.get('/', async (c) => {
  const ring = keyring(c.env);
  const { total, columns } = await countNotCurrent(db(c), ring);
  return c.json({ previous_key_configured: Boolean(ring.previous), remaining: total, columns });
});

encryptionApi.post('/reencrypt', async (c) => {
  const report = await reencryptStoredValues(db(c), keyring(c.env));
  audit(c, { type: 'encryption.reencrypt', actor: API_ACTOR, detail: { ...report } });
  return c.json(report);
});

// POST /api/admin/export and /api/admin/import: moving a deployment, and backups (src/portability/).
import { Hono } from 'hono';
import { audit } from '../../audit/audit';
import type { AppEnv } from '../../http/context';
import { limitBody } from '../../http/forms';
import { ValidationError } from '../../lib/errors';
import { keyring } from '../../lib/secret-box';
import { asObject } from '../../lib/validation';
import { exportDeployment } from '../../portability/export';
import { importDeployment } from '../../portability/import';
import { MIN_PASSPHRASE_LENGTH } from '../../portability/passphrase';
import { API_ACTOR, db, readJson } from './request';

/** An import carries every user and app: far more than the API's usual 64 KB. */
export const MAX_IMPORT_BYTES = 50 * 1024 * 1024;

export const portabilityApi = new Hono<AppEnv>();

function passphraseOf(body: Record<string, unknown>): string {
  const passphrase = body.passphrase;
  if (typeof passphrase !== 'string' || passphrase.length < MIN_PASSPHRASE_LENGTH || passphrase.length > 1024) {
    throw new ValidationError({ passphrase: `must be from ${MIN_PASSPHRASE_LENGTH} to 1024 characters` });
  }
  return passphrase;
}

portabilityApi.post('/export', limitBody(64 * 1024), async (c) => {
  const passphrase = passphraseOf(asObject(await readJson(c)));
  const document = await exportDeployment(db(c), keyring(c.env), passphrase);
  const counts = Object.fromEntries(Object.entries(document.tables).map(([name, rows]) => [name, rows.length]));
  audit(c, { type: 'data.export', actor: API_ACTOR, detail: counts });
  c.header('Cache-Control', 'no-store');
  return c.json(document);
});

portabilityApi.post('/import', limitBody(MAX_IMPORT_BYTES), async (c) => {
  const body = asObject(await readJson(c));
  const passphrase = passphraseOf(body);
  if (!body.document) throw new ValidationError({ document: 'is required: the JSON document POST /api/admin/export answered' });
  const report = await importDeployment(db(c), keyring(c.env), passphrase, body.document);
  audit(c, { type: 'data.import', actor: API_ACTOR, detail: { imported: report.imported, existing: { apps: report.existing.apps.length, users: report.existing.users.length } } });
  return c.json(report);
});

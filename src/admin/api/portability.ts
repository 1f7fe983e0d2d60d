// POST /api/admin/export and /api/admin/import: moving a deployment, and backups (src/portability/).
import { Hono } from 'hono';
import { audit } from '../../audit/audit';
import type { AppEnv } from '../../http/context';
import { limitBody } from '../../http/forms';
import { ValidationError } from '../../lib/errors';
import { keyring } from '../../lib/secret-box';
import { asObject } from '../../lib/validation';
import { MAX_IMPORT_BYTES, tableCounts } from '../../portability/document';
import { exportDeployment } from '../../portability/export';
import { importAuditDetail, importDeployment } from '../../portability/import';
import { passphraseProblem } from '../../portability/passphrase';
import { API_ACTOR, db, readJson } from './request';

export const portabilityApi = new Hono<AppEnv>();

function passphraseOf(body: Record<string, unknown>): string {
  const problem = passphraseProblem(body.passphrase);
  if (problem) throw new ValidationError({ passphrase: problem });
  return body.passphrase as string;
}

portabilityApi.post('/export', limitBody(64 * 1024), async (c) => {
  const passphrase = passphraseOf(asObject(await readJson(c)));
  const document = await exportDeployment(db(c), keyring(c.env), passphrase);
  audit(c, { type: 'data.export', actor: API_ACTOR, detail: tableCounts(document.tables) });
  c.header('Cache-Control', 'no-store');
  return c.json(document);
});

portabilityApi.post('/import', limitBody(MAX_IMPORT_BYTES), async (c) => {
  const body = asObject(await readJson(c));
  const passphrase = passphraseOf(body);
  if (!body.document) throw new ValidationError({ document: 'is required: the JSON document POST /api/admin/export answered' });
  const report = await importDeployment(db(c), keyring(c.env), passphrase, body.document);
  audit(c, { type: 'data.import', actor: API_ACTOR, detail: importAuditDetail(report) });
  return c.json(report);
});

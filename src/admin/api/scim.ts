// /api/admin/scim/tokens: bearer tokens for SCIM clients (Entra ID, Okta). The token is shown once.
import { Hono } from 'hono';
import { audit } from '../../audit/audit';
import type { AppEnv } from '../../http/context';
import { createScimToken, listScimTokens, parseNewScimToken, revokeScimToken, scimTokenToJson } from '../../scim/tokens';
import { API_ACTOR as ACTOR, db, issuer, readJson } from './request';

export const scimApi = new Hono<AppEnv>();

scimApi.get('/tokens', async (c) => c.json({ tokens: (await listScimTokens(db(c))).map(scimTokenToJson), scim_base_url: `${issuer(c)}/scim/v2` }));

scimApi.post('/tokens', async (c) => {
  const { row, token } = await createScimToken(db(c), parseNewScimToken(await readJson(c)));
  audit(c, { type: 'scim.token.create', actor: ACTOR, target: row.id, detail: { name: row.name, identity_source: row.identitySource } });
  c.header('cache-control', 'no-store');
  return c.json({ ...scimTokenToJson(row), token, scim_base_url: `${issuer(c)}/scim/v2` }, 201);
});

scimApi.delete('/tokens/:id', async (c) => {
  const row = await revokeScimToken(db(c), c.req.param('id'));
  audit(c, { type: 'scim.token.revoke', actor: ACTOR, target: row.id, detail: { name: row.name } });
  return c.body(null, 204);
});

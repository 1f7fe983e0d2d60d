// /api/admin/identity-sources: add, read, change and delete identity sources. Secrets are
// accepted, never returned; generic OIDC issuers are checked against their discovery document.
import { Hono } from 'hono';
import { audit } from '../../audit/audit';
import { checkProvider, providerChanged } from '../../federation/checks';
import { parseNewSource, parseSourceChanges } from '../../federation/input';
import { sourceToJson } from '../../federation/json';
import { createSource, deleteSource, listSources, requireSource, updateSource } from '../../federation/store';
import type { AppEnv } from '../../http/context';
import { API_ACTOR as ACTOR, db, issuer, readJson } from './request';
import { keyring } from '../../lib/secret-box';
import { fieldChanges, secretChanges } from '../../audit/changes';

export const identitySourcesApi = new Hono<AppEnv>();

identitySourcesApi.get('/', async (c) => {
  const sources = await listSources(db(c), keyring(c.env));
  return c.json({ identity_sources: sources.map((s) => sourceToJson(s, issuer(c))), total: sources.length });
});

identitySourcesApi.post('/', async (c) => {
  const input = parseNewSource(await readJson(c));
  await checkProvider(input.type, input.config, input.secrets, input.slug);
  const { source } = await createSource(db(c), keyring(c.env), input);
  audit(c, { type: 'source.create', actor: ACTOR, target: source.slug, detail: { type: source.type, name: source.name } });
  return c.json(sourceToJson(source, issuer(c)), 201);
});

identitySourcesApi.get('/:slug', async (c) => c.json(sourceToJson((await requireSource(db(c), keyring(c.env), c.req.param('slug'))).source, issuer(c))));

identitySourcesApi.patch('/:slug', async (c) => {
  const { source: current } = await requireSource(db(c), keyring(c.env), c.req.param('slug'));
  const changes = parseSourceChanges(await readJson(c), current);
  if (changes.fields.config && providerChanged(current, changes.fields.config)) await checkProvider(current.type, changes.fields.config);
  const { source } = await updateSource(db(c), keyring(c.env), current.slug, changes);
  audit(c, { type: 'source.update', actor: ACTOR, target: source.slug, detail: { changes: { ...fieldChanges(current, changes.fields), ...secretChanges(Object.keys(changes.secrets)) } } });
  return c.json(sourceToJson(source, issuer(c)));
});

identitySourcesApi.delete('/:slug', async (c) => {
  const slug = c.req.param('slug');
  await deleteSource(db(c), slug);
  audit(c, { type: 'source.delete', actor: ACTOR, target: slug });
  return c.body(null, 204);
});

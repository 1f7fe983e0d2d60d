// The daily round for SAML sources: expired assertion IDs go, live ones stay (a replay of a live
// assertion is still refused); metadata is refetched so a rolled-over certificate is accepted.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { database } from '../../../src/db/client';
import { refreshSamlMetadata } from '../../../src/federation/saml/refresh';
import { consumeAssertionId, pruneSeenAssertions } from '../../../src/federation/saml/replay';
import { getSource } from '../../../src/federation/store';
import { admin, unique } from '../../helpers';
import { idpMetadata, testKey } from './idp';

describe('saml_assertions_seen', () => {
  it('accepts an ID once, in parallel too, and the pruner deletes only expired IDs', async () => {
    const db = database(env.DB);
    const source = unique('s');
    const results = await Promise.all(Array.from({ length: 5 }, () => consumeAssertionId(db, source, '_live', 2_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await consumeAssertionId(db, source, '_old', 1_000)).toBe(true);
    expect(await pruneSeenAssertions(db, 1_500)).toBeGreaterThanOrEqual(1);
    expect(await consumeAssertionId(db, source, '_live', 2_000)).toBe(false);
    expect(await consumeAssertionId(db, source, '_old', 1_000)).toBe(true); // pruned: it could no longer be accepted anyway
  });
});

describe('metadata refresh', () => {
  it('refetches metadata_url and stores the new certificates; a failing fetch keeps the old ones', async () => {
    const [first, second] = await Promise.all([testKey('first'), testKey('second')]);
    let served = idpMetadata([first.certificate]);
    const fakeFetch = (async () => new Response(served, { status: 200 })) as unknown as typeof fetch;
    const slug = unique('meta').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40);
    // Created with the XML the URL serves now (the API would fetch it; here the test serves it).
    const res = await admin('POST', '/identity-sources', { type: 'okta-saml', slug, metadata_xml: served });
    expect(res.status).toBe(201);
    await env.DB.prepare(`UPDATE identity_sources SET config = json_set(json_set(config, '$.metadata_url', 'https://idp.example.org/metadata'), '$.metadata_xml', '') WHERE slug = ?`).bind(slug).run();

    served = idpMetadata([first.certificate, second.certificate]);
    expect(await refreshSamlMetadata(env, 1234, fakeFetch)).toBeGreaterThanOrEqual(1);
    let stored = (await getSource(database(env.DB), env.KEY_ENCRYPTION_KEY, slug))!.source.config;
    expect(stored.idp_certificates).toEqual([first.certificate, second.certificate]);
    expect(stored.metadata_fetched_at).toBe(1234);

    served = '<not metadata';
    await refreshSamlMetadata(env, 5678, fakeFetch);
    stored = (await getSource(database(env.DB), env.KEY_ENCRYPTION_KEY, slug))!.source.config;
    expect(stored.idp_certificates).toEqual([first.certificate, second.certificate]);
    expect(stored.metadata_fetched_at).toBe(1234);
  });
});

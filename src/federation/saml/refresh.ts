// The scheduled refetch of every SAML source's metadata URL (run by the Cron Trigger with the
// pruners): a certificate rollover at the IdP, published in its metadata ahead of the switch,
// reaches edge-sso without anyone; while both certificates are listed, both are accepted.
// A fetch or parse failure keeps the stored metadata (and is logged).
import type { Bindings } from '../../env';
import { database } from '../../db/client';
import { presetFor } from '../registry';
import { listSources, updateSource } from '../store';
import { applyMetadata, fetchMetadata } from './config';
import { parseIdpMetadata } from './metadata';

export async function refreshSamlMetadata(env: Bindings, now: number, fetchFn: typeof fetch = fetch): Promise<number> {
  const db = database(env.DB);
  let refreshed = 0;
  for (const source of await listSources(db, env.KEY_ENCRYPTION_KEY)) {
    const url = source.config.metadata_url;
    if (presetFor(source.type).protocol.kind !== 'saml' || typeof url !== 'string' || url === '') continue;
    try {
      const metadata = parseIdpMetadata(await fetchMetadata(url, fetchFn));
      if (typeof metadata === 'string') throw new Error(`metadata ${metadata}`);
      const config = { ...source.config };
      applyMetadata(config, metadata, now);
      await updateSource(db, env.KEY_ENCRYPTION_KEY, source.slug, { fields: { config }, secrets: {} });
      refreshed++;
    } catch (error) {
      console.error('saml: metadata refresh failed', source.slug, (error as Error).message);
    }
  }
  return refreshed;
}

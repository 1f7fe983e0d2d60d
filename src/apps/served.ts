// Loads an app as the SSO hot path needs it: record, redirect URLs and HMAC key, through the isolate cache.
import { replicaDb } from '../db/replica';
import { settingsFrom, type Bindings } from '../env';
import { utf8 } from '../lib/encoding';
import { TtlCache } from '../lib/ttl-cache';
import { servedApps, type ServedApp } from './cache';
import { getAppWithSealedSecret, openClientSecret } from './store';

/**
 * The app as the SSO URL and the token endpoint serve it, from the isolate cache, else one D1
 * round trip. The client secret is kept only as what those need: the HMAC key (HS256 apps) and
 * its SHA-256 digest (client authentication), never in plain text.
 */
export function loadServedApp(env: Bindings, clientId: string): Promise<ServedApp | null> {
  return TtlCache.load(servedApps, clientId, settingsFrom(env).configCacheSeconds, async () => {
    // A replica may serve it: an isolate's cache is as stale as CONFIG_CACHE_SECONDS anyway (src/db/replica.ts).
    const found = await getAppWithSealedSecret(replicaDb(env.DB), clientId);
    if (!found) return null;
    const { app, sealedSecret } = found;
    if (app.signingAlg !== 'HS256' && app.tokenEndpointAuthMethod === 'none') return app;
    const secret = await openClientSecret(env.KEY_ENCRYPTION_KEY, clientId, sealedSecret);
    const [hmacKey, secretDigest] = await Promise.all([
      app.signingAlg === 'HS256' ? crypto.subtle.importKey('raw', utf8(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']) : undefined,
      app.tokenEndpointAuthMethod === 'none' ? undefined : crypto.subtle.digest('SHA-256', utf8(secret)),
    ]);
    return { ...app, ...(hmacKey ? { hmacKey } : {}), ...(secretDigest ? { secretDigest } : {}) };
  });
}

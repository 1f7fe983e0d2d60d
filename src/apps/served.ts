// Loads an app as the SSO hot path needs it: record, redirect URLs and HMAC key, through the isolate cache.
import { database } from '../db/client';
import { settingsFrom, type Bindings } from '../env';
import { utf8 } from '../lib/encoding';
import { TtlCache } from '../lib/ttl-cache';
import { servedApps, type ServedApp } from './cache';
import { getApp, readClientSecret } from './store';
import { keyring } from '../lib/secret-box';

export function loadServedApp(env: Bindings, clientId: string): Promise<ServedApp | null> {
  return TtlCache.load(servedApps, clientId, settingsFrom(env).configCacheSeconds, async () => {
    const db = database(env.DB);
    const app = await getApp(db, clientId);
    if (!app || app.signingAlg !== 'HS256') return app;
    const secret = await readClientSecret(db, keyring(env), clientId);
    const hmacKey = await crypto.subtle.importKey('raw', utf8(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return { ...app, hmacKey };
  });
}

// The isolate's cache of app records as the hot path serves them (see ./served.ts).
// The store calls forgetApp on every change, so changes made through this isolate apply at once;
// other isolates see them within CONFIG_CACHE_SECONDS (30 s by default).
import { TtlCache } from '../lib/ttl-cache';
import type { App } from './app';

export interface ServedApp extends App {
  /** The HMAC key made from the client secret, for HS256 apps only. */
  hmacKey?: CryptoKey;
  /** SHA-256 of the current client secret, for apps that authenticate at the token endpoint with it. */
  secretDigest?: ArrayBuffer;
}

export const servedApps = new TtlCache<string, Promise<ServedApp | null>>();

export function forgetApp(clientId: string): void {
  servedApps.delete(clientId);
}

/** After a change that touches many apps at once (an identity source deleted). */
export function forgetAllApps(): void {
  servedApps.clear();
}

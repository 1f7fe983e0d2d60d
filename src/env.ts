// The Worker's bindings and the settings parsed from them.

export interface Bindings {
  DB: D1Database;
  KV: KVNamespace;
  /** Bearer token for /api/admin/* (a Worker secret). */
  ADMIN_API_TOKEN: string;
  /** Encrypts app secrets and private keys at rest (a Worker secret, at least 32 characters). */
  KEY_ENCRYPTION_KEY: string;
  /** Public base URL, e.g. https://sso.example.com. Empty: each request's origin. */
  ISSUER?: string;
  SESSION_TTL_SECONDS?: string;
  CONFIG_CACHE_SECONDS?: string;
}

export interface Settings {
  sessionTtlSeconds: number;
  /** How long an isolate may serve app records and signing keys without re-reading D1. */
  configCacheSeconds: number;
}

function positiveInt(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export function settingsFrom(env: Bindings): Settings {
  return {
    sessionTtlSeconds: positiveInt(env.SESSION_TTL_SECONDS, 8 * 60 * 60),
    configCacheSeconds: positiveInt(env.CONFIG_CACHE_SECONDS, 30),
  };
}

/** The `iss` of every token: the ISSUER setting without a trailing slash, else the request's origin. */
export function issuerFor(env: Bindings, requestUrl: string): string {
  const configured = env.ISSUER?.trim();
  if (configured) return configured.replace(/\/+$/, '');
  return new URL(requestUrl).origin;
}

// The Worker's bindings and the settings parsed from them.

export interface Bindings {
  DB: D1Database;
  KV: KVNamespace;
  /** Bearer token for /api/admin/* (a Worker secret). */
  ADMIN_API_TOKEN: string;
  /** Encrypts app secrets and private keys at rest (a Worker secret, at least 32 characters). */
  KEY_ENCRYPTION_KEY: string;
  /** During a key-encryption-key rotation: the key before, still used to open what it sealed (src/lib/secret-box.ts). */
  KEY_ENCRYPTION_KEY_PREVIOUS?: string;
  /** Public base URL, e.g. https://sso.example.com. Empty: each request's origin. */
  ISSUER?: string;
  SESSION_TTL_SECONDS?: string;
  CONFIG_CACHE_SECONDS?: string;
  LOCKOUT_THRESHOLD?: string;
  LOCKOUT_WAIT_INCREMENT_SECONDS?: string;
  LOCKOUT_MAX_WAIT_SECONDS?: string;
  LOCKOUT_RESET_SECONDS?: string;
  IP_LOCKOUT_THRESHOLD?: string;
  KEY_ACTIVATION_DELAY_SECONDS?: string;
  /** How many days audit events are kept; the Cron Trigger deletes older ones. */
  AUDIT_RETENTION_DAYS?: string;
  /** Cloudflare Turnstile on the sign-up form (both set: on; unset: off, e.g. local dev). The secret is a Worker secret. */
  TURNSTILE_SITE_KEY?: string;
  TURNSTILE_SECRET_KEY?: string;
  /** Cloudflare Email Service `send_email` binding; when present, mail goes through it (src/email/). */
  EMAIL?: SendEmail;
  /** SMTP submission relay, a Worker secret: smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465. */
  SMTP_URL?: string;
  /** The sender: `address` or `Name <address>`; empty: no-reply@ the issuer's host, named after the branding. */
  EMAIL_FROM?: string;
  /** "off" stops the JSON line per request (src/http/request-log.ts); anything else, or unset, keeps it. */
  REQUEST_LOG?: string;
  /** Local benchmarks only (src/db/dev-latency.ts): milliseconds added to every D1 call; ignored off loopback. */
  DEV_D1_LATENCY_MS?: string;
}

export interface Settings {
  sessionTtlSeconds: number;
  /** How long an isolate may serve app records and signing keys without re-reading D1. */
  configCacheSeconds: number;
  /** How long a rotated-in signing key is published before it signs (verifiers' JWKS caches catch up). */
  keyActivationDelaySeconds: number;
  /** Audit events older than this many days are deleted by the Cron Trigger (src/maintenance/). */
  auditRetentionDays: number;
  lockout: LockoutPolicy;
}

/**
 * Brute-force protection, Keycloak's defaults: every `threshold` failures lock for one more
 * `waitIncrementSeconds`, up to `maxWaitSeconds`; failures are forgotten after `resetSeconds` quiet.
 */
export interface LockoutPolicy {
  threshold: number;
  ipThreshold: number;
  waitIncrementSeconds: number;
  maxWaitSeconds: number;
  resetSeconds: number;
}

function positiveInt(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function nonNegativeInt(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return raw !== undefined && raw.trim() !== '' && Number.isInteger(n) && n >= 0 ? n : fallback;
}

/** Settings parsed once per bindings object: the hot path asks for them several times a request. */
const parsedSettings = new WeakMap<Bindings, Settings>();

export function settingsFrom(env: Bindings): Settings {
  let settings = parsedSettings.get(env);
  if (!settings) parsedSettings.set(env, (settings = parseSettings(env)));
  return settings;
}

function parseSettings(env: Bindings): Settings {
  return {
    sessionTtlSeconds: positiveInt(env.SESSION_TTL_SECONDS, 8 * 60 * 60),
    configCacheSeconds: positiveInt(env.CONFIG_CACHE_SECONDS, 30),
    keyActivationDelaySeconds: nonNegativeInt(env.KEY_ACTIVATION_DELAY_SECONDS, 300),
    auditRetentionDays: positiveInt(env.AUDIT_RETENTION_DAYS, 400),
    lockout: {
      threshold: positiveInt(env.LOCKOUT_THRESHOLD, 30),
      ipThreshold: positiveInt(env.IP_LOCKOUT_THRESHOLD, 100),
      waitIncrementSeconds: positiveInt(env.LOCKOUT_WAIT_INCREMENT_SECONDS, 60),
      maxWaitSeconds: positiveInt(env.LOCKOUT_MAX_WAIT_SECONDS, 900),
      resetSeconds: positiveInt(env.LOCKOUT_RESET_SECONDS, 12 * 60 * 60),
    },
  };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Local development: a loopback host, where only this machine can choose the Host header. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || hostname.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

export const EMPTY_ISSUER_WARNING =
  'ISSUER is not set: token issuers (iss) follow the Host header of each request. Set ISSUER in wrangler.toml [vars] to your public URL.';

/**
 * Makes `issuerFor`: the ISSUER setting without a trailing slash, else the request's origin. The
 * fallback is meant for local dev; on any other host it works but logs a warning, once per isolate,
 * because `iss` would then depend on whatever Host the request names.
 */
export function issuerResolver(warn: (message: string) => void): (env: Bindings, requestUrl: string) => string {
  let warned = false;
  return (env, requestUrl) => {
    const configured = env.ISSUER?.trim();
    if (configured) return configured.replace(/\/+$/, '');
    const url = new URL(requestUrl);
    if (!warned && !isLoopbackHost(url.hostname)) {
      warned = true;
      warn(`${EMPTY_ISSUER_WARNING} Using ${url.origin}.`);
    }
    return url.origin;
  };
}

/** The `iss` of every token: the ISSUER setting without a trailing slash, else the request's origin. */
export const issuerFor: (env: Bindings, requestUrl: string) => string = issuerResolver((message) => console.warn(message));

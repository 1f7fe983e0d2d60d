import type { Context } from 'hono';
import { database } from '../db/client';
import { issuerFor, type Bindings } from '../env';
import { clientAddressKey } from '../lib/address';

/** The Hono environment every route shares. */
export interface AppEnv {
  Bindings: Bindings;
  Variables: {
    /** The nonce this response's inline scripts must carry (see ./security-headers.ts). */
    cspNonce: string;
    /** Origins, besides this one, that this page's forms may submit or redirect to. */
    formActionOrigins: string[];
    /** Origins this page may frame (the sign-up form's Turnstile widget); none by default. */
    frameOrigins: string[];
    /** What the request did, for its log line (src/http/request-log.ts): the last audit event's type. */
    outcome: string;
  };
}

export type AppContext = Context<AppEnv>;

/** The client's address as Cloudflare reports it (empty in tests without the header). */
export function clientIp(c: AppContext): string {
  return c.req.header('cf-connecting-ip') ?? '';
}

/** The per-address limit's bucket for requests without `cf-connecting-ip`: they share one, so the limit never silently turns off. */
export const UNKNOWN_ADDRESS = 'unknown';
let warnedUnknownAddress = false;

/**
 * The client address every per-address limit counts (sign-in, sign-up, forgot password, email
 * change, second factor): IPv4 as it is, IPv6 by its /64 (clientAddressKey). Behind Cloudflare
 * every request has one; without it (another proxy in front, local tools) all such requests share
 * the `unknown` bucket, and the first one in each isolate logs a warning so the deployment can be fixed.
 */
export function throttleAddress(c: AppContext): string {
  const ip = clientIp(c);
  if (ip) return clientAddressKey(ip);
  if (!warnedUnknownAddress) {
    warnedUnknownAddress = true;
    console.warn('sign-in protection: request without cf-connecting-ip; counting it in the shared "ip:unknown" bucket');
  }
  return UNKNOWN_ADDRESS;
}

/** The request's D1 handle (drizzle). */
export const dbOf = (c: AppContext) => database(c.env.DB);

/** The `iss` of tokens minted for this request (the ISSUER setting, else the request origin). */
export const issuerOf = (c: AppContext) => issuerFor(c.env, c.req.url);

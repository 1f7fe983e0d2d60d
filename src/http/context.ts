import type { Context } from 'hono';
import { database } from '../db/client';
import { issuerFor, type Bindings } from '../env';
import type { Session } from '../sessions/sessions';
import type { FormBody } from './forms';

/** The Hono environment every route shares. */
export interface AppEnv {
  Bindings: Bindings;
  Variables: {
    /** The nonce this response's inline scripts must carry (see ./security-headers.ts). */
    cspNonce: string;
    /** Origins, besides this one, that this page's forms may submit or redirect to. */
    formActionOrigins: string[];
    /** Set only under /admin, by the console's gate: the signed-in admin's session. */
    admin: Session;
    /** Set only under /admin for a POST, by the console's gate: the CSRF-checked form. */
    form: FormBody;
  };
}

export type AppContext = Context<AppEnv>;

/** The client's address as Cloudflare reports it (empty in tests without the header). */
export function clientIp(c: AppContext): string {
  return c.req.header('cf-connecting-ip') ?? '';
}

/** The request's D1 handle (drizzle). */
export const dbOf = (c: AppContext) => database(c.env.DB);

/** The `iss` of tokens minted for this request (the ISSUER setting, else the request origin). */
export const issuerOf = (c: AppContext) => issuerFor(c.env, c.req.url);

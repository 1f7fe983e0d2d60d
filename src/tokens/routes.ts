// GET /.well-known/jwks.json — the public keys that verify RS256 and ES256 tokens.
import { Hono } from 'hono';
import type { AppEnv } from '../http/context';
import { publicJwks } from './keys';

export const tokenRoutes = new Hono<AppEnv>();

tokenRoutes.get('/.well-known/jwks.json', async (c) => {
  // Short public caching: a verifier that meets an unknown kid refetches, and rotations keep old keys published.
  c.header('Cache-Control', 'public, max-age=300');
  c.header('Access-Control-Allow-Origin', '*');
  return c.json(await publicJwks(c.env));
});

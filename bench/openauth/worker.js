// An OpenAuth 0.4.3 issuer as its documentation sets one up on Cloudflare Workers: KV storage
// (CloudflareStorage, see kvStorage) and the email-code provider, whose "email" is a mailbox the bench reads
// (GET /bench/mailbox?email=…), so a first refresh token needs no browser. Everything else
// (the /authorize, /code/authorize and /token routes, key generation, refresh rotation) is
// OpenAuth's own code. Used by bench/openauth.mjs only.
import { issuer } from '@openauthjs/openauth';
import { CodeProvider } from '@openauthjs/openauth/provider/code';
import { CloudflareStorage } from '@openauthjs/openauth/storage/cloudflare';

const KV_MIN_TTL_SECONDS = 60;

/**
 * OpenAuth's CloudflareStorage, with expirations of less than a minute raised to one. OpenAuth
 * stores codes and used refresh tokens for 60 s and passes KV the time left, which is 59 s once a
 * millisecond has passed; KV (local and on Cloudflare) refuses TTLs under 60 s, and every code
 * exchange and refresh would fail. Every KV call is otherwise OpenAuth's own.
 */
function kvStorage(namespace) {
  const storage = CloudflareStorage({ namespace });
  return {
    ...storage,
    set: (key, value, expiry) => storage.set(key, value, expiry && new Date(Math.max(expiry.getTime(), Date.now() + (KV_MIN_TTL_SECONDS + 1) * 1000))),
  };
}

/** The one subject type: OpenAuth only needs a Standard Schema validator for it. */
const subjects = {
  user: { '~standard': { version: 1, vendor: 'bench', validate: (value) => ({ value }) } },
};

function build(env) {
  return issuer({
    subjects,
    storage: kvStorage(env.AUTH_KV),
    providers: {
      code: CodeProvider({
        // The provider's pages: the bench drives them over HTTP, so a line of text says which step it is at.
        request: async (_req, state) => new Response(`step: ${state.type}`, { headers: { 'content-type': 'text/plain' } }),
        sendCode: async (claims, code) => {
          await env.AUTH_KV.put(`bench-mailbox:${claims.email}`, code, { expirationTtl: KV_MIN_TTL_SECONDS });
        },
      }),
    },
    success: async (ctx, value) => ctx.subject('user', { id: value.claims.email }),
  });
}

let app = null; // built once per isolate, on the first request (the KV binding comes with it)

export default {
  async fetch(request, env, ctx) {
    app ??= build(env);
    const url = new URL(request.url);
    if (url.pathname === '/healthz') return new Response('ok');
    if (url.pathname === '/bench/mailbox') {
      const code = await env.AUTH_KV.get(`bench-mailbox:${url.searchParams.get('email')}`);
      return code ? new Response(code) : new Response('no mail', { status: 404 });
    }
    return app.fetch(request, env, ctx);
  },
};

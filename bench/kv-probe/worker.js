// Two routes that differ by one KV read and nothing else, each writing the request log line
// edge-sso writes (src/http/request-log.ts), as edge-sso's bare route does:
//   GET /healthz  {"ok":true}
//   GET /kv       reads a session-sized JSON record from KV, then {"ok":true}
//   PUT /kv       stores that record (the bench does it once before measuring)
const KEY = 'session:probe';

export default {
  async fetch(request, env) {
    const started = Date.now();
    const { pathname } = new URL(request.url);
    let response;
    if (pathname === '/healthz') response = Response.json({ ok: true });
    else if (pathname === '/kv' && request.method === 'GET') {
      const record = await env.KV.get(KEY, 'json');
      response = record ? Response.json({ ok: true }) : Response.json({ ok: false }, { status: 404 });
    } else if (pathname === '/kv' && request.method === 'PUT') {
      await env.KV.put(KEY, await request.text(), { expirationTtl: 3600 });
      response = new Response(null, { status: 204 });
    } else response = new Response('not found', { status: 404 });
    console.log(
      JSON.stringify({
        type: 'request',
        request_id: request.headers.get('cf-ray') ?? crypto.randomUUID(),
        method: request.method,
        route: pathname,
        status: response.status,
        outcome: response.ok ? 'ok' : 'refused',
        duration_ms: Date.now() - started,
      }),
    );
    return response;
  },
};

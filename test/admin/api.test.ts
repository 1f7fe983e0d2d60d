// The JSON admin API: authentication, body handling, every validation error, and the success shapes
// an admin script relies on, for apps and users.
import { env } from 'cloudflare:workers';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { admin, ADMIN_TOKEN, Browser, call, createApp, createUser, delivered, ORIGIN, PASSWORD, unique } from '../helpers';

interface ErrorBody {
  error: string;
  message: string;
  fields?: Record<string, string>;
}

const json = <T = Record<string, unknown>>(res: Response) => res.json<T>();

async function expectFields(res: Response, names: string[]): Promise<ErrorBody> {
  expect(res.status).toBe(400);
  const body = await json<ErrorBody>(res);
  expect(body.error).toBe('invalid_request');
  expect(Object.keys(body.fields ?? {}).sort()).toEqual([...names].sort());
  for (const name of names) expect(body.fields![name]).toEqual(expect.any(String));
  return body;
}

const hs = (secret: string) => new TextEncoder().encode(secret);

describe('admin API authentication', () => {
  it.each([
    ['no Authorization header', undefined],
    ['a wrong token', 'Bearer wrong-token'],
    ['the token with a suffix', `Bearer ${ADMIN_TOKEN}x`],
    ['a prefix of the token', `Bearer ${ADMIN_TOKEN.slice(0, -1)}`],
    ['Basic authentication', `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}`],
    ['the token without the Bearer scheme', ADMIN_TOKEN],
    ['an empty bearer token', 'Bearer '],
  ])('refuses %s with 401 and a WWW-Authenticate challenge', async (_, authorization) => {
    for (const [method, path] of [
      ['GET', '/api/admin/apps'],
      ['POST', '/api/admin/apps'],
      ['GET', '/api/admin/users'],
      ['DELETE', '/api/admin/users/x/sessions'],
    ] as const) {
      const res = await call(path, {
        method,
        headers: { ...(authorization === undefined ? {} : { authorization }), 'content-type': 'application/json' },
        body: method === 'POST' ? JSON.stringify({ name: 'x', redirect_urls: ['https://a.example.com/'] }) : undefined,
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      const body = await json<ErrorBody>(res);
      expect(body.error).toBe('unauthorized');
    }
  });

  it('creates nothing when the token is wrong', async () => {
    const clientId = unique('unauth');
    const res = await call('/api/admin/apps', {
      method: 'POST',
      headers: { authorization: 'Bearer nope', 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: clientId, name: 'x', redirect_urls: ['https://a.example.com/'] }),
    });
    expect(res.status).toBe(401);
    expect((await admin('GET', `/apps/${clientId}`)).status).toBe(404);
  });
});

describe('admin API request bodies', () => {
  it('refuses a body that is not JSON with 415', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
      const res = await call('/api/admin/apps', {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(contentType ? { 'content-type': contentType } : {}) },
        body: JSON.stringify({ name: 'x', redirect_urls: ['https://a.example.com/'] }),
      });
      expect(res.status).toBe(415);
      expect((await json<ErrorBody>(res)).error).toBe('unsupported_media_type');
    }
  });

  it('accepts a JSON content type with parameters', async () => {
    const res = await call('/api/admin/apps', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ name: 'Charset', redirect_urls: ['https://a.example.com/'] }),
    });
    expect(res.status).toBe(201);
  });

  it.each(['{', '{"name": "x",}', 'undefined', "{'name': 'x'}", ''])('refuses invalid JSON %j with 400', async (body) => {
    const res = await call('/api/admin/apps', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    expect((await json<ErrorBody>(res)).error).toBe('invalid_json');
  });

  it.each([[[]], ['a string'], [42], [null], [true]])('refuses the non-object body %j with 400 naming the body', async (body) => {
    await expectFields(await admin('POST', '/apps', body), ['body']);
    await expectFields(await admin('POST', '/users', body), ['body']);
  });

  it('refuses a body over 64 KiB with 413', async () => {
    const big = JSON.stringify({ name: 'Big', description: 'x'.repeat(70 * 1024), redirect_urls: ['https://a.example.com/'] });
    const res = await call('/api/admin/apps', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: big,
    });
    expect(res.status).toBe(413);
    expect((await json<ErrorBody>(res)).error).toBe('too_large');
  });

  it('refuses a streamed body (no Content-Length) over 64 KiB with 413', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"name":"Big","redirect_urls":["https://a.example.com/"],"description":"'));
        if (sent++ < 6) controller.enqueue(chunk);
        else {
          controller.enqueue(new TextEncoder().encode('"}'));
          controller.close();
        }
      },
    });
    const res = await call('/api/admin/apps', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body,
      // @ts-expect-error: duplex is required by the fetch spec for streamed request bodies
      duplex: 'half',
    });
    expect(res.status).toBe(413);
  });

  it('accepts a body just under 64 KiB', async () => {
    const res = await admin('POST', '/apps', { name: 'Almost', description: 'd'.repeat(400), redirect_urls: Array.from({ length: 20 }, (_, i) => `https://a.example.com/${'p'.repeat(3000)}${i}`) });
    expect(res.status).toBe(201);
  });
});

describe('POST /api/admin/apps', () => {
  it('creates an app with defaults and answers 201 with its secret and endpoints', async () => {
    const res = await admin('POST', '/apps', { name: 'Billing', redirect_urls: ['https://billing.example.com/sso'] });
    expect(res.status).toBe(201);
    const app = await json(res);
    expect(app).toMatchObject({
      name: 'Billing',
      description: '',
      redirect_urls: ['https://billing.example.com/sso'],
      logout_urls: [],
      signing_alg: 'HS256',
      response_mode: 'query',
      token_ttl_seconds: 300,
    });
    const clientId = app.client_id as string;
    expect(clientId).toMatch(/^[a-z0-9]{20}$/);
    expect(app.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(app.sso_url).toBe(`${ORIGIN}/sso/jwt/${clientId}`);
    expect(app.logout_url).toBe(`${ORIGIN}/sso/logout?client_id=${clientId}`);
    expect(app.jwks_uri).toBe(`${ORIGIN}/.well-known/jwks.json`);
    expect(new Date(app.created_at as string).getTime()).not.toBeNaN();
    expect(new Date(app.updated_at as string).getTime()).not.toBeNaN();
  });

  it('gives every app its own client id and secret', async () => {
    const a = await createApp();
    const b = await createApp();
    expect(a.client_id).not.toBe(b.client_id);
    expect(a.client_secret).not.toBe(b.client_secret);
  });

  it('takes every field', async () => {
    const clientId = unique('full');
    const app = await createApp({
      client_id: clientId,
      name: '  Full  ',
      description: 'All the fields',
      redirect_urls: ['https://full.example.com/a', 'http://localhost:3000/b'],
      logout_urls: ['https://full.example.com/bye'],
      signing_alg: 'ES256',
      response_mode: 'form_post',
      token_ttl_seconds: 3600,
    });
    expect(app).toMatchObject({
      client_id: clientId,
      name: 'Full',
      description: 'All the fields',
      redirect_urls: ['https://full.example.com/a', 'http://localhost:3000/b'],
      logout_urls: ['https://full.example.com/bye'],
      signing_alg: 'ES256',
      response_mode: 'form_post',
      token_ttl_seconds: 3600,
    });
  });

  it('takes redirect_urls as one string separated by ";" or new lines, normalised and without duplicates, in order', async () => {
    const app = await createApp({
      redirect_urls: 'https://A.example.com/one; https://a.example.com/two\nhttps://a.example.com:443/one;',
    });
    expect(app.redirect_urls).toEqual(['https://a.example.com/one', 'https://a.example.com/two']);
  });

  const valid = { name: 'Valid', redirect_urls: ['https://a.example.com/cb'] };

  it.each<[string, Record<string, unknown>, string]>([
    ['name missing', { redirect_urls: valid.redirect_urls }, 'name'],
    ['name empty', { ...valid, name: '' }, 'name'],
    ['name only spaces', { ...valid, name: '   ' }, 'name'],
    ['name too long', { ...valid, name: 'n'.repeat(101) }, 'name'],
    ['name not a string', { ...valid, name: 42 }, 'name'],
    ['description too long', { ...valid, description: 'd'.repeat(501) }, 'description'],
    ['redirect_urls missing', { name: 'x' }, 'redirect_urls'],
    ['redirect_urls empty', { ...valid, redirect_urls: [] }, 'redirect_urls'],
    ['redirect_urls empty string', { ...valid, redirect_urls: '' }, 'redirect_urls'],
    ['redirect_urls not a list', { ...valid, redirect_urls: 42 }, 'redirect_urls'],
    ['redirect_urls with a non-string', { ...valid, redirect_urls: ['https://a.example.com/', 1] }, 'redirect_urls'],
    ['redirect_urls http on a public host', { ...valid, redirect_urls: ['http://a.example.com/cb'] }, 'redirect_urls'],
    ['redirect_urls with a fragment', { ...valid, redirect_urls: ['https://a.example.com/cb#x'] }, 'redirect_urls'],
    ['redirect_urls with userinfo', { ...valid, redirect_urls: ['https://user:pw@a.example.com/cb'] }, 'redirect_urls'],
    ['redirect_urls javascript:', { ...valid, redirect_urls: ['javascript:alert(1)'] }, 'redirect_urls'],
    ['redirect_urls relative', { ...valid, redirect_urls: ['/cb'] }, 'redirect_urls'],
    ['redirect_urls one bad among good', { ...valid, redirect_urls: ['https://a.example.com/cb', 'http://evil.example.com/'] }, 'redirect_urls'],
    ['redirect_urls more than 20', { ...valid, redirect_urls: Array.from({ length: 21 }, (_, i) => `https://a.example.com/${i}`) }, 'redirect_urls'],
    ['logout_urls with a fragment', { ...valid, logout_urls: ['https://a.example.com/bye#x'] }, 'logout_urls'],
    ['logout_urls http on a public host', { ...valid, logout_urls: 'http://a.example.com/bye' }, 'logout_urls'],
    ['signing_alg none', { ...valid, signing_alg: 'none' }, 'signing_alg'],
    ['signing_alg HS512', { ...valid, signing_alg: 'HS512' }, 'signing_alg'],
    ['signing_alg lower-case', { ...valid, signing_alg: 'hs256' }, 'signing_alg'],
    ['response_mode web_message', { ...valid, response_mode: 'web_message' }, 'response_mode'],
    ['token_ttl_seconds 0', { ...valid, token_ttl_seconds: 0 }, 'token_ttl_seconds'],
    ['token_ttl_seconds as a string', { ...valid, token_ttl_seconds: '300' }, 'token_ttl_seconds'],
    ['token_ttl_seconds fractional', { ...valid, token_ttl_seconds: 1.5 }, 'token_ttl_seconds'],
    ['token_ttl_seconds 10^9', { ...valid, token_ttl_seconds: 1e9 }, 'token_ttl_seconds'],
    ['token_ttl_seconds negative', { ...valid, token_ttl_seconds: -300 }, 'token_ttl_seconds'],
    ['client_id with spaces', { ...valid, client_id: 'my app' }, 'client_id'],
    ['client_id too short', { ...valid, client_id: 'ab' }, 'client_id'],
    ['client_id too long', { ...valid, client_id: 'a'.repeat(65) }, 'client_id'],
    ['client_id with a slash', { ...valid, client_id: 'a/b/c' }, 'client_id'],
    ['client_id starting with a dot', { ...valid, client_id: '.hidden' }, 'client_id'],
    ['unknown field redirect_uri', { ...valid, redirect_uri: 'https://a.example.com/cb' }, 'redirect_uri'],
    ['unknown field client_secret', { ...valid, client_secret: 'mine' }, 'client_secret'],
  ])('refuses %s with 400 naming the field', async (_, body, field) => {
    const res = await admin('POST', '/apps', body);
    await expectFields(res, [field]);
  });

  it('names every invalid field of one request at once', async () => {
    const res = await admin('POST', '/apps', {
      name: '',
      redirect_urls: ['http://evil.example.com/'],
      signing_alg: 'none',
      response_mode: 'web_message',
      token_ttl_seconds: '300',
      client_id: 'a b',
      redirect_uri: 'https://a.example.com/',
    });
    await expectFields(res, ['name', 'redirect_urls', 'signing_alg', 'response_mode', 'token_ttl_seconds', 'client_id', 'redirect_uri']);
  });

  it('creates nothing when a field is invalid', async () => {
    const clientId = unique('invalid');
    await expectFields(await admin('POST', '/apps', { client_id: clientId, name: 'x', redirect_urls: ['http://evil.example.com/'] }), ['redirect_urls']);
    expect((await admin('GET', `/apps/${clientId}`)).status).toBe(404);
  });

  it('accepts a custom client_id and refuses a duplicate with 409', async () => {
    const clientId = unique('custom.id_x');
    const first = await admin('POST', '/apps', { ...valid, client_id: clientId });
    expect(first.status).toBe(201);
    expect((await json(first)).client_id).toBe(clientId);
    const second = await admin('POST', '/apps', { ...valid, name: 'Other', client_id: clientId });
    expect(second.status).toBe(409);
    expect((await json<ErrorBody>(second)).error).toBe('conflict');
    // The first app is unchanged.
    expect((await json(await admin('GET', `/apps/${clientId}`))).name).toBe('Valid');
  });
});

describe('GET /api/admin/apps', () => {
  it('returns one app without its secret', async () => {
    const created = await createApp({ name: 'Readable', description: 'desc', logout_urls: ['https://app.example.com/bye'] });
    const res = await admin('GET', `/apps/${created.client_id}`);
    expect(res.status).toBe(200);
    const app = await json(res);
    expect(app).not.toHaveProperty('client_secret');
    expect(JSON.stringify(app)).not.toContain(created.client_secret);
    const { client_secret: _, ...withoutSecret } = created;
    expect(app).toEqual(withoutSecret);
  });

  it('answers 404 for an unknown app', async () => {
    const res = await admin('GET', '/apps/no-such-app');
    expect(res.status).toBe(404);
    expect((await json<ErrorBody>(res)).error).toBe('not_found');
  });

  it('lists apps with paging and search, without secrets', async () => {
    const tag = unique('pagetag');
    const created = [];
    for (let i = 0; i < 3; i++) created.push(await createApp({ name: `${tag} ${i}` }));
    const all = await json<{ apps: Record<string, unknown>[]; total: number; limit: number; offset: number }>(await admin('GET', `/apps?q=${tag}`));
    expect(all.total).toBe(3);
    expect(all.limit).toBe(50);
    expect(all.offset).toBe(0);
    expect(all.apps.map((a) => a.client_id).sort()).toEqual(created.map((a) => a.client_id).sort());
    for (const app of all.apps) expect(app).not.toHaveProperty('client_secret');

    const page1 = await json<{ apps: Record<string, unknown>[]; total: number; limit: number; offset: number }>(await admin('GET', `/apps?q=${tag}&limit=2`));
    const page2 = await json<{ apps: Record<string, unknown>[]; total: number; limit: number; offset: number }>(await admin('GET', `/apps?q=${tag}&limit=2&offset=2`));
    expect(page1).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(page1.apps).toHaveLength(2);
    expect(page2).toMatchObject({ total: 3, limit: 2, offset: 2 });
    expect(page2.apps).toHaveLength(1);
    expect([...page1.apps, ...page2.apps].map((a) => a.client_id).sort()).toEqual(created.map((a) => a.client_id).sort());

    // Search also finds an app by its client id.
    const byId = await json<{ apps: Record<string, unknown>[]; total: number }>(await admin('GET', `/apps?q=${created[1]!.client_id}`));
    expect(byId.apps.map((a) => a.client_id)).toEqual([created[1]!.client_id]);
  });

  it('treats "%" and "_" in the search text literally', async () => {
    const tag = unique('applit').replace(/-/g, '');
    const target = await createApp({ name: `${tag} 100% ready` });
    await createApp({ name: `${tag} 1000 ready` });
    const percent = await json<{ apps: { client_id: string }[] }>(await admin('GET', `/apps?q=${encodeURIComponent(`${tag} 100%`)}`));
    expect(percent.apps.map((a) => a.client_id)).toEqual([target.client_id]);
    const underscore = await json<{ total: number }>(await admin('GET', `/apps?q=${encodeURIComponent(`${tag}_`)}`));
    expect(underscore.total).toBe(0);
  });

  it.each(['limit=0', 'limit=101', 'limit=abc', 'limit=-1', 'limit=1.5', 'limit=', 'offset=-1', 'offset=x', 'offset=1000001', 'limit=0&offset=-1'])(
    'refuses invalid paging %s with 400 naming the parameter',
    async (query) => {
      const res = await admin('GET', `/apps?${query}`);
      const names = [...new URLSearchParams(query).keys()];
      await expectFields(res, names);
      await expectFields(await admin('GET', `/users?${query}`), names);
    },
  );
});

describe('PATCH /api/admin/apps/:id', () => {
  it('changes the given fields and keeps the others', async () => {
    const created = await createApp({ name: 'Before', description: 'kept' });
    const res = await admin('PATCH', `/apps/${created.client_id}`, {
      name: 'After',
      redirect_urls: 'https://new.example.com/cb; https://new.example.com/cb2',
      logout_urls: ['https://new.example.com/bye'],
      signing_alg: 'RS256',
      response_mode: 'fragment',
      token_ttl_seconds: 120,
    });
    expect(res.status).toBe(200);
    const app = await json(res);
    expect(app).toMatchObject({
      client_id: created.client_id,
      name: 'After',
      description: 'kept',
      redirect_urls: ['https://new.example.com/cb', 'https://new.example.com/cb2'],
      logout_urls: ['https://new.example.com/bye'],
      signing_alg: 'RS256',
      response_mode: 'fragment',
      token_ttl_seconds: 120,
    });
    expect(app).not.toHaveProperty('client_secret');
    expect(await json(await admin('GET', `/apps/${created.client_id}`))).toEqual(app);
  });

  it('applies a new redirect URL to the SSO URL at once', async () => {
    const created = await createApp({ redirect_urls: ['https://old.example.com/cb'] });
    expect((await call(`/sso/jwt/${created.client_id}?redirect_uri=${encodeURIComponent('https://old.example.com/cb')}`)).status).toBe(303);
    await admin('PATCH', `/apps/${created.client_id}`, { redirect_urls: ['https://new.example.com/cb'] });
    expect((await call(`/sso/jwt/${created.client_id}?redirect_uri=${encodeURIComponent('https://old.example.com/cb')}`)).status).toBe(400);
    expect((await call(`/sso/jwt/${created.client_id}?redirect_uri=${encodeURIComponent('https://new.example.com/cb')}`)).status).toBe(303);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['empty redirect_urls', { redirect_urls: [] }, 'redirect_urls'],
    ['empty redirect_urls string', { redirect_urls: '' }, 'redirect_urls'],
    ['http redirect_urls', { redirect_urls: ['http://a.example.com/'] }, 'redirect_urls'],
    ['redirect_urls with a fragment', { redirect_urls: ['https://a.example.com/#x'] }, 'redirect_urls'],
    ['empty name', { name: '' }, 'name'],
    ['blank name', { name: '   ' }, 'name'],
    ['too long name', { name: 'n'.repeat(101) }, 'name'],
    ['signing_alg none', { signing_alg: 'none' }, 'signing_alg'],
    ['response_mode web_message', { response_mode: 'web_message' }, 'response_mode'],
    ['token_ttl_seconds 0', { token_ttl_seconds: 0 }, 'token_ttl_seconds'],
    ['client_id (not editable)', { client_id: 'renamed' }, 'client_id'],
    ['unknown field', { redirect_uri: 'https://a.example.com/' }, 'redirect_uri'],
  ])('refuses %s with 400 naming the field, and changes nothing', async (_, body, field) => {
    const created = await createApp({ name: 'Unchanged' });
    await expectFields(await admin('PATCH', `/apps/${created.client_id}`, body), [field]);
    const app = await json(await admin('GET', `/apps/${created.client_id}`));
    expect(app).toMatchObject({ name: 'Unchanged', redirect_urls: created.redirect_urls, signing_alg: 'HS256', token_ttl_seconds: 300 });
  });

  it('answers 404 for an unknown app', async () => {
    const res = await admin('PATCH', '/apps/no-such-app', { name: 'x' });
    expect(res.status).toBe(404);
  });

  it('needs a JSON object', async () => {
    const created = await createApp();
    await expectFields(await admin('PATCH', `/apps/${created.client_id}`, ['name']), ['body']);
    const res = await call(`/api/admin/apps/${created.client_id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/plain' },
      body: '{"name":"x"}',
    });
    expect(res.status).toBe(415);
  });
});

describe('DELETE /api/admin/apps/:id', () => {
  it('answers 204, then the app is gone from the API and its SSO URL', async () => {
    const created = await createApp();
    // Load the app into the hot path's cache first.
    expect((await call(`/sso/jwt/${created.client_id}`)).status).toBe(303);
    const res = await admin('DELETE', `/apps/${created.client_id}`);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect((await admin('GET', `/apps/${created.client_id}`)).status).toBe(404);
    expect((await admin('GET', `/apps/${created.client_id}/secret`)).status).toBe(404);
    const sso = await call(`/sso/jwt/${created.client_id}`);
    expect(sso.status).toBe(404);
    expect(sso.headers.get('location')).toBeNull();
    expect(await sso.text()).toContain('Unknown application');
    expect((await admin('DELETE', `/apps/${created.client_id}`)).status).toBe(404);
  });

  it('frees the client id for a new app with new redirect URLs', async () => {
    const clientId = unique('reuse');
    await createApp({ client_id: clientId, redirect_urls: ['https://first.example.com/cb'] });
    await admin('DELETE', `/apps/${clientId}`);
    const again = await createApp({ client_id: clientId, redirect_urls: ['https://second.example.com/cb'] });
    expect(again.redirect_urls).toEqual(['https://second.example.com/cb']);
    expect((await call(`/sso/jwt/${clientId}?redirect_uri=${encodeURIComponent('https://first.example.com/cb')}`)).status).toBe(400);
  });
});

describe('app client secrets', () => {
  it('reveals the current secret on request', async () => {
    const created = await createApp();
    const res = await admin('GET', `/apps/${created.client_id}/secret`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ client_id: created.client_id, client_secret: created.client_secret });
  });

  it('rotates the secret: a new one is returned and revealed, and tokens are signed with it, not the old one', async () => {
    const created = await createApp();
    const user = await createUser();
    const browser = new Browser();
    const first = await delivered(await browser.signInThrough(`/sso/jwt/${created.client_id}`, user.email, PASSWORD));
    const options = { issuer: ORIGIN, audience: created.client_id, algorithms: ['HS256'] };
    await expect(jwtVerify(first.params.id_token!, hs(created.client_secret), options)).resolves.toBeTruthy();

    const res = await admin('POST', `/apps/${created.client_id}/secret`);
    expect(res.status).toBe(200);
    const rotated = await json<{ client_id: string; client_secret: string }>(res);
    expect(rotated.client_id).toBe(created.client_id);
    expect(rotated.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(rotated.client_secret).not.toBe(created.client_secret);
    expect(await json(await admin('GET', `/apps/${created.client_id}/secret`))).toMatchObject({ client_id: rotated.client_id, client_secret: rotated.client_secret });

    const second = await delivered(await browser.fetch(`/sso/jwt/${created.client_id}`));
    const { payload } = await jwtVerify(second.params.id_token!, hs(rotated.client_secret), options);
    expect(payload.sub).toBe(user.id);
    await expect(jwtVerify(second.params.id_token!, hs(created.client_secret), options)).rejects.toThrow();
  });

  it('answers 404 for the secret of an unknown app', async () => {
    expect((await admin('GET', '/apps/no-such-app/secret')).status).toBe(404);
    expect((await admin('POST', '/apps/no-such-app/secret')).status).toBe(404);
  });

  it('stores the secret encrypted, never in plain text', async () => {
    const created = await createApp();
    const rotated = await json<{ client_secret: string }>(await admin('POST', `/apps/${created.client_id}/secret`));
    const row = await env.DB.prepare('select * from apps where client_id = ?').bind(created.client_id).first<Record<string, unknown>>();
    expect(row).not.toBeNull();
    const stored = JSON.stringify(row);
    expect(String(row!.secret_encrypted)).toMatch(/^v2\./);
    for (const secret of [created.client_secret, rotated.client_secret]) {
      expect(stored).not.toContain(secret);
      expect(stored).not.toContain(btoa(secret));
    }
  });

  it('stores private signing keys encrypted: no private JWK members in plain text', async () => {
    for (const alg of ['RS256', 'ES256']) {
      const created = await createApp({ signing_alg: alg });
      const user = await createUser();
      const { params } = await delivered(await new Browser().signInThrough(`/sso/jwt/${created.client_id}`, user.email, PASSWORD));
      expect(params.id_token).toBeTruthy();
    }
    const { results } = await env.DB.prepare('select * from signing_keys').all<Record<string, string>>();
    expect(results.map((r) => r.alg).sort()).toEqual(expect.arrayContaining(['ES256', 'RS256']));
    for (const row of results) {
      expect(row.private_jwk_encrypted).toMatch(/^v2\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      const all = JSON.stringify(row);
      expect(all).not.toMatch(/\\?"d\\?"\s*:/);
      for (const member of ['p', 'q', 'dp', 'dq', 'qi']) expect(all).not.toMatch(new RegExp(`\\\\?"${member}\\\\?"\\s*:`));
      expect(JSON.parse(row.public_jwk!)).not.toHaveProperty('d');
    }
  });
});

describe('POST /api/admin/users', () => {
  it('creates a user and answers 201 without any password material', async () => {
    const email = `${unique('Ada.Mixed')}@Example.COM`;
    const res = await admin('POST', '/users', {
      email: `  ${email}  `,
      password: PASSWORD,
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
      username: 'ada',
      groups: ['staff', ' eng ', 'staff', ''],
      roles: ['admin'],
      email_verified: true,
    });
    expect(res.status).toBe(201);
    const user = await json(res);
    expect(user).toMatchObject({
      email: email.toLowerCase(),
      email_verified: true,
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
      username: 'ada',
      groups: ['staff', 'eng'],
      roles: ['admin'],
      disabled: false,
      has_password: true,
    });
    expect(user.id).toEqual(expect.any(String));
    expect(Object.keys(user).filter((key) => /password|hash|salt/i.test(key))).toEqual(['has_password']);
    const text = JSON.stringify(user);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('pbkdf2');
  });

  it('stores only a hash of the password', async () => {
    const user = await createUser();
    const row = await env.DB.prepare('select password_hash from users where id = ?').bind(user.id).first<{ password_hash: string }>();
    expect(row!.password_hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(row!.password_hash).not.toContain(PASSWORD);
  });

  it('refuses a duplicate email, whatever its case, with 409', async () => {
    const email = `${unique('dup')}@example.com`;
    await createUser({ email });
    for (const again of [email, email.toUpperCase(), ` ${email} `]) {
      const res = await admin('POST', '/users', { email: again, password: PASSWORD });
      expect(res.status).toBe(409);
      expect((await json<ErrorBody>(res)).error).toBe('conflict');
    }
  });

  const valid = () => ({ email: `${unique('valid')}@example.com`, password: PASSWORD });

  it.each<[string, (v: Record<string, unknown>) => Record<string, unknown>, string]>([
    ['email missing', ({ email: _, ...v }) => v, 'email'],
    ['email without @', (v) => ({ ...v, email: 'ada.example.com' }), 'email'],
    ['email without a domain dot', (v) => ({ ...v, email: 'ada@example' }), 'email'],
    ['email with a space', (v) => ({ ...v, email: 'ada lovelace@example.com' }), 'email'],
    ['email not a string', (v) => ({ ...v, email: ['a@example.com'] }), 'email'],
    ['password missing', ({ password: _, ...v }) => v, 'password'],
    ['password of 7 characters', (v) => ({ ...v, password: '1234567' }), 'password'],
    ['password too long', (v) => ({ ...v, password: 'p'.repeat(257) }), 'password'],
    ['password not a string', (v) => ({ ...v, password: 12345678 }), 'password'],
    ['groups not an array', (v) => ({ ...v, groups: 'staff' }), 'groups'],
    ['groups with a non-string', (v) => ({ ...v, groups: ['staff', 1] }), 'groups'],
    ['groups with a control character', (v) => ({ ...v, groups: ['sta\nff'] }), 'groups'],
    ['roles with an unknown role', (v) => ({ ...v, roles: ['superuser'] }), 'roles'],
    ['roles not an array', (v) => ({ ...v, roles: 'admin' }), 'roles'],
    ['email_verified not a boolean', (v) => ({ ...v, email_verified: 'yes' }), 'email_verified'],
    ['disabled not a boolean', (v) => ({ ...v, disabled: 1 }), 'disabled'],
    ['unknown field', (v) => ({ ...v, password_hash: 'x' }), 'password_hash'],
  ])('refuses %s with 400 naming the field', async (_, make, field) => {
    await expectFields(await admin('POST', '/users', make(valid())), [field]);
  });

  it('accepts a password of exactly 8 characters', async () => {
    expect((await admin('POST', '/users', { ...valid(), password: '12345678' })).status).toBe(201);
  });

  it('names every invalid field of one request at once, and creates nothing', async () => {
    const res = await admin('POST', '/users', { email: 'not-an-email', password: 'short', groups: 'x', roles: ['root'] });
    await expectFields(res, ['email', 'password', 'groups', 'roles']);
    const list = await json<{ total: number }>(await admin('GET', '/users?email=not-an-email'));
    expect(list.total).toBe(0);
  });
});

describe('GET /api/admin/users', () => {
  it('returns one user, or 404', async () => {
    const created = await createUser({ name: 'Grace Hopper' });
    const res = await admin('GET', `/users/${created.id}`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual(created);
    const missing = await admin('GET', '/users/no-such-user');
    expect(missing.status).toBe(404);
    expect((await json<ErrorBody>(missing)).error).toBe('not_found');
  });

  it('lists users with paging, and searches by q (email or name) and email', async () => {
    const tag = unique('srch');
    const made = [];
    for (const n of ['a', 'b', 'c']) made.push(await createUser({ email: `${tag}-${n}@example.com`, name: `Person ${n}` }));
    const nameTag = unique('nametag');
    const named = await createUser({ name: `Named ${nameTag}` });
    type List = { users: Record<string, unknown>[]; total: number; limit: number; offset: number };

    const byEmail = await json<List>(await admin('GET', `/users?email=${tag}`));
    expect(byEmail.total).toBe(3);
    expect(byEmail.users.map((u) => u.email)).toEqual(made.map((u) => u.email)); // ordered by email
    for (const user of byEmail.users) expect(Object.keys(user).join()).not.toMatch(/hash/);

    const byQ = await json<List>(await admin('GET', `/users?q=${tag.toUpperCase()}`));
    expect(byQ.users.map((u) => u.email)).toEqual(made.map((u) => u.email));
    const byName = await json<List>(await admin('GET', `/users?q=${encodeURIComponent(`named ${nameTag}`)}`));
    expect(byName.users.map((u) => u.id)).toEqual([named.id]);

    const page1 = await json<List>(await admin('GET', `/users?email=${tag}&limit=2`));
    const page2 = await json<List>(await admin('GET', `/users?email=${tag}&limit=2&offset=2`));
    expect(page1).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(page2).toMatchObject({ total: 3, limit: 2, offset: 2 });
    expect([...page1.users, ...page2.users].map((u) => u.email)).toEqual(made.map((u) => u.email));

    const none = await json<List>(await admin('GET', `/users?q=${tag}-zzz`));
    expect(none).toMatchObject({ total: 0, users: [] });
  });

  it('treats "%" and "_" in the search text literally', async () => {
    const tag = unique('lit').replace(/-/g, '');
    const target = await createUser({ email: `${tag}_x@example.com` });
    await createUser({ email: `${tag}ax@example.com` });
    const underscore = await json<{ users: { id: string }[]; total: number }>(await admin('GET', `/users?email=${encodeURIComponent(`${tag}_x`)}`));
    expect(underscore.users.map((u) => u.id)).toEqual([target.id]);
    const percent = await json<{ total: number }>(await admin('GET', `/users?q=${encodeURIComponent(`${tag}%x`)}`));
    expect(percent.total).toBe(0);
  });
});

describe('PATCH /api/admin/users/:id', () => {
  it('changes the given fields and keeps the others', async () => {
    const created = await createUser({ name: 'Before', groups: ['a'] });
    const newEmail = `${unique('New')}@Example.com`;
    const res = await admin('PATCH', `/users/${created.id}`, { email: newEmail, name: 'After', roles: ['admin'], email_verified: true });
    expect(res.status).toBe(200);
    const user = await json(res);
    expect(user).toMatchObject({ id: created.id, email: newEmail.toLowerCase(), name: 'After', groups: ['a'], roles: ['admin'], email_verified: true });
    expect(await json(await admin('GET', `/users/${created.id}`))).toEqual(user);
  });

  it('changes the password: the new one signs in, the old one no longer does', async () => {
    const created = await createUser();
    expect((await admin('PATCH', `/users/${created.id}`, { password: 'a brand new password' })).status).toBe(200);
    const app = await createApp();
    const old = await new Browser().signInThrough(`/sso/jwt/${app.client_id}`, created.email, PASSWORD);
    expect(old.status).toBe(401);
    const fresh = await delivered(await new Browser().signInThrough(`/sso/jwt/${app.client_id}`, created.email, 'a brand new password'));
    expect(fresh.params.id_token).toBeTruthy();
  });

  it("refuses another user's email, in any case, with 409", async () => {
    const taken = await createUser();
    const created = await createUser();
    const res = await admin('PATCH', `/users/${created.id}`, { email: taken.email.toUpperCase() });
    expect(res.status).toBe(409);
    expect((await json(await admin('GET', `/users/${created.id}`))).email).toBe(created.email);
  });

  it('answers 404 for an unknown user, also when changing the email', async () => {
    expect((await admin('PATCH', '/users/no-such-user', { name: 'x' })).status).toBe(404);
    expect((await admin('PATCH', '/users/no-such-user', { email: `${unique('x')}@example.com` })).status).toBe(404);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['invalid email', { email: 'nope' }, 'email'],
    ['empty email', { email: '' }, 'email'],
    ['short password', { password: 'short' }, 'password'],
    ['groups not an array', { groups: 'x' }, 'groups'],
    ['unknown role', { roles: ['owner'] }, 'roles'],
    ['unknown field', { id: 'other' }, 'id'],
  ])('refuses %s with 400 naming the field', async (_, body, field) => {
    const created = await createUser();
    await expectFields(await admin('PATCH', `/users/${created.id}`, body), [field]);
    expect(await json(await admin('GET', `/users/${created.id}`))).toEqual(created);
  });
});

describe('DELETE /api/admin/users/:id', () => {
  it('answers 204, then 404; the user can no longer sign in and their session ends', async () => {
    const app = await createApp();
    const created = await createUser();
    const browser = new Browser();
    await browser.signInThrough(`/sso/jwt/${app.client_id}`, created.email, PASSWORD);

    const res = await admin('DELETE', `/users/${created.id}`);
    expect(res.status).toBe(204);
    expect((await admin('GET', `/users/${created.id}`)).status).toBe(404);
    expect((await admin('DELETE', `/users/${created.id}`)).status).toBe(404);

    const sso = await browser.fetch(`/sso/jwt/${app.client_id}`);
    expect(sso.headers.get('location')).toMatch(/^\/login\?flow=/);
    expect((await new Browser().signInThrough(`/sso/jwt/${app.client_id}`, created.email, PASSWORD)).status).toBe(401);
  });
});

describe('DELETE /api/admin/users/:id/sessions', () => {
  it("ends every one of the user's sessions and says how many", async () => {
    const app = await createApp();
    const created = await createUser();
    const bystander = await createUser();
    const laptop = new Browser();
    const phone = new Browser();
    const other = new Browser();
    for (const browser of [laptop, phone]) {
      expect((await delivered(await browser.signInThrough(`/sso/jwt/${app.client_id}`, created.email, PASSWORD))).params.id_token).toBeTruthy();
    }
    await other.signInThrough(`/sso/jwt/${app.client_id}`, bystander.email, PASSWORD);

    const res = await admin('DELETE', `/users/${created.id}/sessions`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ user_id: created.id, sessions_ended: 2 });

    for (const browser of [laptop, phone]) {
      const sso = await browser.fetch(`/sso/jwt/${app.client_id}`);
      expect(sso.status).toBe(303);
      expect(sso.headers.get('location')).toMatch(/^\/login\?flow=/);
    }
    // Other users keep their sessions.
    expect((await delivered(await other.fetch(`/sso/jwt/${app.client_id}`))).params.id_token).toBeTruthy();
    // The user can sign in again.
    expect((await delivered(await laptop.signInThrough(`/sso/jwt/${app.client_id}`, created.email, PASSWORD))).params.id_token).toBeTruthy();
  });

  it('counts only sessions that were still live', async () => {
    const app = await createApp();
    const created = await createUser();
    // One browser signs in, signs out; another signs in twice (the first session is replaced).
    const gone = new Browser();
    await gone.signInThrough(`/sso/jwt/${app.client_id}`, created.email, PASSWORD);
    expect((await gone.fetch('/sso/logout')).status).toBe(200);
    const live = new Browser();
    await live.signInThrough(`/sso/jwt/${app.client_id}`, created.email, PASSWORD);
    await live.signInThrough(`/sso/jwt/${app.client_id}?prompt=login`, created.email, PASSWORD);

    const res = await admin('DELETE', `/users/${created.id}/sessions`);
    expect(await json(res)).toEqual({ user_id: created.id, sessions_ended: 1 });
    expect((await live.fetch(`/sso/jwt/${app.client_id}`)).headers.get('location')).toMatch(/^\/login\?flow=/);
  });

  it('answers 404 for an unknown user', async () => {
    expect((await admin('DELETE', '/users/no-such-user/sessions')).status).toBe(404);
  });
});

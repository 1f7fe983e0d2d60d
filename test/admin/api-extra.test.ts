// The admin API's newer endpoints: authentication on each, the audit log (what is recorded,
// filters, paging, validation), the key list, the lockout list, and the console's audit filters.
import { describe, expect, it } from 'vitest';
import { admin, ADMIN_TOKEN, auditPage as audit, auditPageUntil as auditUntil, Browser, call, createApp, createUser, delivered, PASSWORD, unique } from '../helpers';

describe('authentication of the newer endpoints', () => {
  it.each([
    ['GET', '/api/admin/keys'],
    ['POST', '/api/admin/keys/ES256/rotate'],
    ['GET', '/api/admin/branding'],
    ['PUT', '/api/admin/branding'],
    ['GET', '/api/admin/lockouts'],
    ['DELETE', '/api/admin/lockouts/a@example.com'],
    ['GET', '/api/admin/audit'],
    ['POST', '/api/admin/users/import'],
  ])('%s %s answers 401 without the token, and 401 with a wrong one', async (method, path) => {
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${ADMIN_TOKEN}x`]) {
      const res = await call(path, {
        method,
        headers: { ...(authorization ? { authorization } : {}), 'content-type': path.endsWith('import') ? 'text/csv' : 'application/json' },
        body: method === 'GET' || method === 'DELETE' ? undefined : path.endsWith('import') ? 'email\nx@example.com' : JSON.stringify({ product_name: 'Hacked' }),
      });
      expect(res.status).toBe(401);
    }
  });

  it('changes nothing when the token is wrong', async () => {
    const before = await (await admin('GET', '/keys')).json();
    await call('/api/admin/keys/ES256/rotate', { method: 'POST', headers: { authorization: 'Bearer wrong' } });
    await call('/api/admin/branding', { method: 'PUT', headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' }, body: JSON.stringify({ product_name: 'Hacked' }) });
    expect(await (await admin('GET', '/keys')).json()).toEqual(before);
    expect((await (await admin('GET', '/branding')).json<{ product_name: string }>()).product_name).not.toBe('Hacked');
  });
});

describe('GET /api/admin/audit', () => {
  it('records each admin API change with its actor, target and detail', async () => {
    const app = await createApp({ name: 'Audited app' });
    await admin('PATCH', `/apps/${app.client_id}`, { name: 'Renamed', token_ttl_seconds: 600 });
    await admin('GET', `/apps/${app.client_id}/secret`);
    await admin('POST', `/apps/${app.client_id}/secret`);
    await admin('DELETE', `/apps/${app.client_id}`);
    const page = await auditUntil(`user=${app.client_id}`, (p) => p.total >= 5);
    expect(page.events.map((e) => e.type)).toEqual(['app.delete', 'app.secret.rotate', 'app.secret.reveal', 'app.update', 'app.create']);
    for (const e of page.events) expect(e).toMatchObject({ actor: 'admin-api', target: app.client_id });
    expect(page.events.find((e) => e.type === 'app.create')!.detail).toEqual({ name: 'Audited app', type: 'oidc' });
    // An update records each changed field's old and new value, as the API names it.
    expect(page.events.find((e) => e.type === 'app.update')!.detail).toEqual({ changes: { name: { from: 'Audited app', to: 'Renamed' }, token_ttl_seconds: { from: 300, to: 600 } } });
    for (const e of page.events) expect(Math.abs(new Date(e.at).getTime() - Date.now())).toBeLessThan(60_000);
    // The secret itself is never written to the log.
    expect(JSON.stringify(page)).not.toContain(app.client_secret);

    const user = await createUser();
    await admin('PATCH', `/users/${user.id}`, { name: 'New name', password: 'another password' });
    await admin('DELETE', `/users/${user.id}/sessions`);
    await admin('DELETE', `/users/${user.id}`);
    const userPage = await auditUntil(`user=${user.id}`, (p) => p.total >= 4);
    expect(userPage.events.map((e) => e.type)).toEqual(['user.delete', 'user.sessions.revoke', 'user.update', 'user.create']);
    expect(userPage.events.find((e) => e.type === 'user.create')!.detail).toEqual({ email: user.email });
    // A password is recorded as changed, never its value (nor its hash).
    expect(userPage.events.find((e) => e.type === 'user.update')!.detail).toEqual({ changes: { name: { from: 'Ada Lovelace', to: 'New name' }, password: 'changed' } });
    expect(JSON.stringify(userPage)).not.toContain('another password');
  });

  it('records sign-ins, successful and failed, with the client address', async () => {
    const user = await createUser();
    const app = await createApp();
    const browser = new Browser();
    const first = await browser.fetch(`/sso/jwt/${app.client_id}`);
    const login = await (await browser.fetch(first.headers.get('location')!)).text();
    const fail = await browser.submitLogin(login, user.email.toUpperCase(), 'wrong password');
    expect(fail.status).toBe(401);
    const ok = await browser.fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://sso.test', 'cf-connecting-ip': '198.51.100.9' },
      body: new URLSearchParams({ csrf: browser.cookies.get('__Host-edge-sso-csrf')!, flow: new URL(first.headers.get('location')!, 'https://x').searchParams.get('flow')!, email: user.email, password: PASSWORD }),
    });
    expect(ok.status).toBe(303);
    await delivered(await browser.fetch(ok.headers.get('location')!));

    const failures = await auditUntil(`type=login.failure&user=${encodeURIComponent(user.email.toUpperCase())}`, (p) => p.total >= 1);
    expect(failures.events).toHaveLength(1);
    expect(failures.events[0]).toMatchObject({ actor: 'anonymous', target: user.email, detail: { client_id: app.client_id } });
    const success = await auditUntil(`type=login.success&user=${user.id}`, (p) => p.total >= 1);
    expect(success.events[0]).toMatchObject({ actor: user.id, target: user.email, client_ip: '198.51.100.9', detail: { client_id: app.client_id } });
  });

  it('filters by type and by user together', async () => {
    const a = await createUser();
    const b = await createUser();
    await admin('PATCH', `/users/${a.id}`, { name: 'A2' });
    await admin('PATCH', `/users/${b.id}`, { name: 'B2' });
    const onlyA = await auditUntil(`type=user.update&user=${a.id}`, (p) => p.total >= 1);
    expect(onlyA.total).toBe(1);
    expect(onlyA.events[0]).toMatchObject({ type: 'user.update', target: a.id });
    const updates = await audit('type=user.update&limit=100');
    expect(updates.events.length).toBeGreaterThanOrEqual(2);
    expect(new Set(updates.events.map((e) => e.type))).toEqual(new Set(['user.update']));
    expect(await audit(`user=${unique('nobody')}`)).toMatchObject({ events: [], total: 0 });
  });

  it('finds a user’s events by email as the console does, including those recorded under the user id', async () => {
    const user = await createUser();
    await admin('PATCH', `/users/${user.id}`, { name: 'Changed' });
    const browser = new Browser();
    const login = await (await browser.fetch('/login')).text();
    expect((await browser.submitLogin(login, user.email, 'wrong password')).status).toBe(401);
    await auditUntil(`user=${user.id}`, (p) => p.total >= 2);
    await auditUntil(`type=login.failure&user=${encodeURIComponent(user.email)}`, (p) => p.total >= 1);

    const byEmail = await audit(`user=${encodeURIComponent(user.email)}`);
    expect(byEmail.events.map((e) => e.type).sort()).toEqual(['login.failure', 'user.create', 'user.update']);
  });

  it('pages newest first with limit and offset, and reports the total', async () => {
    const app = await createApp();
    for (let i = 0; i < 4; i++) await admin('PATCH', `/apps/${app.client_id}`, { description: `v${i}` });
    await auditUntil(`user=${app.client_id}`, (p) => p.total >= 5);
    const pages = [await audit(`user=${app.client_id}&limit=2`), await audit(`user=${app.client_id}&limit=2&offset=2`), await audit(`user=${app.client_id}&limit=2&offset=4`)];
    expect(pages.map((p) => [p.total, p.limit, p.offset, p.events.length])).toEqual([
      [5, 2, 0, 2],
      [5, 2, 2, 2],
      [5, 2, 4, 1],
    ]);
    const ids = pages.flatMap((p) => p.events.map((e) => e.id));
    expect(new Set(ids).size).toBe(5);
    expect(ids).toEqual([...ids].sort((x, y) => y - x));
    expect(pages[2]!.events[0]!.type).toBe('app.create');
    expect((await audit(`user=${app.client_id}&offset=10`)).events).toEqual([]);
  });

  it.each([
    ['type=nope', 'type'],
    ['type=', 'type'],
    ['type=APP.CREATE', 'type'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['offset=-1', 'offset'],
  ])('refuses %s with 400 naming the field', async (query, field) => {
    const res = await admin('GET', `/audit?${query}`);
    expect(res.status).toBe(400);
    const body = await res.json<{ error: string; fields: Record<string, string> }>();
    expect(body.error).toBe('invalid_request');
    expect(Object.keys(body.fields)).toEqual([field]);
  });
});

describe('GET /api/admin/keys and /lockouts', () => {
  it('lists signing keys by algorithm with their state once they are used', async () => {
    const user = await createUser();
    const app = await createApp({ signing_alg: 'RS256' });
    await delivered(await new Browser().signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD));
    const { keys } = await (await admin('GET', '/keys')).json<{ keys: { kid: string; alg: string; state: string; created_at: string; retired_at: string | null }[] }>();
    const rs = keys.filter((k) => k.alg === 'RS256');
    expect(rs).toHaveLength(1);
    expect(rs[0]).toMatchObject({ state: 'active', retired_at: null, kid: expect.any(String) });
    expect(Math.abs(new Date(rs[0]!.created_at).getTime() - Date.now())).toBeLessThan(60_000);
    expect(JSON.stringify(keys)).not.toMatch(/"d"|private/i);
  });

  it.each(['HS256', 'XX', 'es256', 'none'])('refuses to rotate %s with 404', async (alg) => {
    const res = await admin('POST', `/keys/${alg}/rotate`);
    expect(res.status).toBe(404);
    expect((await res.json<{ error: string }>()).error).toBe('not_found');
  });

  it('lists no lockouts when no account is locked', async () => {
    const res = await admin('GET', '/lockouts');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ lockouts: [] });
  });
});

describe('the console audit page', () => {
  it('filters by a user’s email and shows emails instead of user ids', async () => {
    const adminUser = await createUser({ roles: ['admin'] });
    const browser = new Browser();
    expect((await browser.signInThrough('/admin/audit', adminUser.email, PASSWORD)).status).toBe(200);
    const target = await createUser();
    const bystander = await createUser();
    await admin('PATCH', `/users/${target.id}`, { name: 'Changed' });
    await admin('PATCH', `/users/${bystander.id}`, { name: 'Changed too' });
    await auditUntil(`user=${target.id}`, (p) => p.total >= 2);
    await auditUntil(`user=${bystander.id}`, (p) => p.total >= 2);

    const html = await (await browser.fetch(`/admin/audit?user=${encodeURIComponent(target.email.toUpperCase())}`)).text();
    const rows = [...html.matchAll(/<td data-label="Event"><span class="event-type">([a-z.]+)<\/span><\/td><td data-label="Actor">(?:<span title="[^"]*">)?([^<]*)(?:<\/span>)?<\/td><td data-label="Target">(?:<span title="[^"]*">)?([^<]*)/g)].map((m) => ({ type: m[1], actor: m[2], target: m[3] }));
    expect(rows.map((r) => r.type).sort()).toEqual(['user.create', 'user.update']);
    for (const r of rows) expect(r).toMatchObject({ actor: 'admin-api', target: target.email });
    expect(html).not.toContain(bystander.email);
    expect(html).toContain(`<input type="text" id="user" name="user" value="${target.email.toUpperCase()}"`);
  });
});

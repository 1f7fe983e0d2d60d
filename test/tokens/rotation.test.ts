// Signing key rotation: a new key is active at once, the old one stays published (retiring) until
// every token it signed has expired, so tokens already handed out keep verifying.
import { env } from 'cloudflare:workers';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { admin, Browser, call, createApp, createUser, delivered, hiddenFields, ORIGIN, PASSWORD } from '../helpers';

interface KeyInfo {
  kid: string;
  alg: string;
  state: 'active' | 'retiring' | 'retired';
  created_at: string;
  retired_at: string | null;
}

const MAX_TOKEN_TTL = 86_400;
const CONFIG_CACHE = 30;

async function keys(): Promise<KeyInfo[]> {
  const res = await admin('GET', '/keys');
  expect(res.status).toBe(200);
  return (await res.json<{ keys: KeyInfo[] }>()).keys;
}
async function jwks(): Promise<{ keys: JWK[] }> {
  return (await call('/.well-known/jwks.json')).json();
}
async function rotate(alg: string): Promise<string> {
  const res = await admin('POST', `/keys/${alg}/rotate`);
  expect(res.status).toBe(200);
  const body = await res.json<{ alg: string; kid: string }>();
  expect(body.alg).toBe(alg);
  return body.kid;
}

/** Signs a user in to a new app of `alg`; returns the browser (with its session) and a token. */
async function signedIn(alg: string) {
  const app = await createApp({ signing_alg: alg });
  const user = await createUser();
  const browser = new Browser();
  const { params } = await delivered(await browser.signInThrough(`/sso/jwt/${app.client_id}`, user.email, PASSWORD));
  expect(params.id_token).toBeTruthy();
  const nextToken = async () => (await delivered(await browser.fetch(`/sso/jwt/${app.client_id}`))).params.id_token!;
  return { app, user, browser, token: params.id_token!, nextToken };
}

describe('rotating a signing key through the API', () => {
  it('makes a new ES256 key active at once while the old one keeps verifying the tokens it signed', async () => {
    const { app, token: oldToken, nextToken } = await signedIn('ES256');
    const oldKid = decodeProtectedHeader(oldToken).kid!;
    expect((await keys()).filter((k) => k.alg === 'ES256')).toEqual([expect.objectContaining({ kid: oldKid, state: 'active', retired_at: null })]);

    const before = Math.floor(Date.now() / 1000);
    const newKid = await rotate('ES256');
    const after = Math.ceil(Date.now() / 1000);
    expect(newKid).not.toBe(oldKid);

    const es = (await keys()).filter((k) => k.alg === 'ES256');
    expect(es).toHaveLength(2);
    expect(es.find((k) => k.kid === newKid)).toMatchObject({ state: 'active', retired_at: null });
    const retiring = es.find((k) => k.kid === oldKid)!;
    expect(retiring.state).toBe('retiring');
    const retiredAt = new Date(retiring.retired_at!).getTime() / 1000;
    expect(retiredAt).toBeGreaterThanOrEqual(before + MAX_TOKEN_TTL + CONFIG_CACHE);
    expect(retiredAt).toBeLessThanOrEqual(after + MAX_TOKEN_TTL + CONFIG_CACHE);

    const published = await jwks();
    expect(published.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    const set = createLocalJWKSet(published);

    const newToken = await nextToken();
    expect(decodeProtectedHeader(newToken)).toMatchObject({ alg: 'ES256', kid: newKid });
    await expect(jwtVerify(newToken, set, { issuer: ORIGIN, audience: app.client_id })).resolves.toBeTruthy();
    // The token signed before the rotation still verifies against the published keys.
    const { protectedHeader } = await jwtVerify(oldToken, set, { issuer: ORIGIN, audience: app.client_id });
    expect(protectedHeader.kid).toBe(oldKid);
  });

  it('leaves the other algorithm’s key alone', async () => {
    const rs = await signedIn('RS256');
    const es = await signedIn('ES256');
    const rsKid = decodeProtectedHeader(rs.token).kid;
    const esKid = decodeProtectedHeader(es.token).kid;
    const newRs = await rotate('RS256');
    const all = await keys();
    expect(all.find((k) => k.kid === esKid)).toMatchObject({ alg: 'ES256', state: 'active' });
    expect(all.find((k) => k.kid === rsKid)).toMatchObject({ alg: 'RS256', state: 'retiring' });
    expect(decodeProtectedHeader(await es.nextToken()).kid).toBe(esKid);
    expect(decodeProtectedHeader(await rs.nextToken()).kid).toBe(newRs);
  });

  it('keeps one active key per algorithm across repeated rotations, publishing every key still in use', async () => {
    const first = await signedIn('ES256');
    const kids = [decodeProtectedHeader(first.token).kid!];
    kids.push(await rotate('ES256'));
    kids.push(await rotate('ES256'));
    expect(new Set(kids).size).toBe(3);
    const es = (await keys()).filter((k) => k.alg === 'ES256');
    expect(es.filter((k) => k.state === 'active').map((k) => k.kid)).toEqual([kids[2]]);
    for (const kid of kids.slice(0, 2)) expect(es.find((k) => k.kid === kid)?.state).toBe('retiring');
    expect((await jwks()).keys.map((k) => k.kid)).toEqual(expect.arrayContaining(kids));
    await expect(jwtVerify(first.token, createLocalJWKSet(await jwks()))).resolves.toBeTruthy();
  });

  it('drops a retiring key from the JWKS once its tokens have expired, and lists it as retired', async () => {
    const { token } = await signedIn('RS256');
    const oldKid = decodeProtectedHeader(token).kid!;
    await rotate('RS256');
    // Time passes beyond the key's publication period.
    await env.DB.prepare('UPDATE signing_keys SET retired_at = ? WHERE kid = ?').bind(Math.floor(Date.now() / 1000) - 1, oldKid).run();
    await rotate('ES256'); // any rotation refreshes this isolate's JWKS cache
    expect((await jwks()).keys.map((k) => k.kid)).not.toContain(oldKid);
    expect((await keys()).find((k) => k.kid === oldKid)).toMatchObject({ state: 'retired' });
  });

  it('audits the rotation', async () => {
    const kid = await rotate('ES256');
    let events: { actor: string; target: string; detail: Record<string, unknown> }[] = [];
    for (let i = 0; i < 100 && !events.some((e) => e.target === kid); i++) {
      if (i) await new Promise((r) => setTimeout(r, 50));
      events = (await (await admin('GET', '/audit?type=key.rotate&limit=100')).json<{ events: typeof events }>()).events;
    }
    expect(events.find((e) => e.target === kid)).toMatchObject({ actor: 'admin-api', detail: { alg: 'ES256' } });
  });

  it.each(['HS256', 'XX', 'rs256'])('answers 404 for %s and changes no key', async (alg) => {
    await signedIn('ES256');
    const before = await keys();
    const res = await admin('POST', `/keys/${alg}/rotate`);
    expect(res.status).toBe(404);
    expect(await keys()).toEqual(before);
  });
});

describe('rotating a signing key in the console', () => {
  it('lists the keys with their states, asks for confirmation, then rotates', async () => {
    const { token } = await signedIn('ES256');
    const oldKid = decodeProtectedHeader(token).kid!;
    const adminUser = await createUser({ roles: ['admin'] });
    const browser = new Browser();
    expect((await browser.signInThrough('/admin/keys', adminUser.email, PASSWORD)).status).toBe(200);

    const list = await (await browser.fetch('/admin/keys')).text();
    expect(list).toMatch(new RegExp(`<tr data-kid="${oldKid}">(?:(?!</tr>).)*?<span class="badge ok">active</span>`));
    expect(list).toContain('href="/admin/keys/rotate/ES256"');

    const confirm = await browser.fetch('/admin/keys/rotate/ES256');
    expect(confirm.status).toBe(200);
    const html = await confirm.text();
    expect(html).toMatch(/<button type="submit"[^>]*>Rotate ES256 key<\/button>/);
    expect((await keys()).find((k) => k.kid === oldKid)?.state).toBe('active');

    const res = await browser.fetch('/admin/keys/rotate/ES256', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams({ csrf: hiddenFields(html).csrf! }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/keys?notice=key_rotated');
    const es = (await keys()).filter((k) => k.alg === 'ES256');
    expect(es.find((k) => k.kid === oldKid)?.state).toBe('retiring');
    const active = es.find((k) => k.state === 'active')!;
    const after = await (await browser.fetch('/admin/keys?notice=key_rotated')).text();
    expect(after).toMatch(new RegExp(`<tr data-kid="${oldKid}">(?:(?!</tr>).)*?<span class="badge warn">retiring</span>`));
    expect(after).toMatch(new RegExp(`<tr data-kid="${active.kid}">(?:(?!</tr>).)*?<span class="badge ok">active</span>`));
    // The retiring key's PEM can still be downloaded.
    expect((await browser.fetch(`/admin/keys/${oldKid}.pem`)).status).toBe(200);

    expect((await browser.fetch('/admin/keys/rotate/HS256')).status).toBe(404);
  });
});

// Another site cannot lock a network out of sign-in, nor cancel a sign-in in progress: a page can
// make its visitors' browsers load a federation callback (<img>) or post to a SAML ACS (a no-cors
// form) as often as it likes, with no attempt cookie, or with the visitor's SameSite=None cookie
// and a state it cannot know. Those requests are counted (`stray:<address>`) but never lock, so
// afterwards a genuine sign-in from that address (callback, ACS, passkey) still goes through.
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { database } from '../../src/db/client';
import { parseNewSource } from '../../src/federation/input';
import { createSource } from '../../src/federation/store';
import { keyring } from '../../src/lib/secret-box';
import { b64, assertionXml, createSource as createSamlSource, responseXml, signById, startSignIn, testKey, type TestKey } from '../federation/saml/idp';
import { Browser, hiddenFields, unique } from '../helpers';
import { pageOptions, type RequestOptions } from '../mfa/authenticator';
import { form, userWithPasskey } from '../mfa/support';

/** More than the address threshold (IP_LOCKOUT_THRESHOLD, 100 by default). */
const FORGED = 101;
const SESSION = '__Host-edge-sso-session';
const ATTEMPT = '__Host-edge-sso-fed';

const randomByte = () => 1 + Math.floor(Math.random() * 250);
const counted = async (key: string) => (await env.DB.prepare('select failures from login_throttle where key = ?').bind(key).first<{ failures: number }>())?.failures ?? 0;

async function githubSource(): Promise<string> {
  const slug = unique('gh').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40);
  await createSource(database(env.DB), keyring(env), parseNewSource({ type: 'github', slug, name: 'GitHub', client_id: 'gh-client', client_secret: 'upstream-secret' }));
  return slug;
}

/** What a third-party page makes a visitor's browser send `count` times: image loads of the callback. */
async function forgedCallbacks(slug: string, ip: string, count = FORGED): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await fetchAs(new Browser(), ip, `/federation/${slug}/callback?x=${i}`)).status);
  return statuses;
}

const fetchAs = (browser: Browser, ip: string, path: string, init: RequestInit = {}) =>
  browser.fetch(path, { ...init, headers: { ...(init.headers as Record<string, string>), 'cf-connecting-ip': ip } });

/** The IdP's HTTP-POST (or a page's no-cors form) to an ACS, from `ip`. */
const postToAcs = (browser: Browser, ip: string, acs: string, samlResponse: string, relayState: string) =>
  fetchAs(browser, ip, new URL(acs).pathname, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ SAMLResponse: samlResponse, RelayState: relayState }),
  });

/** A GitHub sign-in started in `browser`: the state the provider would send back. */
async function startGithub(browser: Browser, slug: string, ip: string): Promise<string> {
  const res = await fetchAs(browser, ip, `/federation/${slug}/start`);
  expect(res.status).toBe(303);
  return new URL(res.headers.get('location')!).searchParams.get('state')!;
}

describe('federation callbacks another site makes a browser load', () => {
  it('never lock the address: a genuine callback from it is still honoured', async () => {
    const slug = await githubSource();
    const ip = `198.51.100.${randomByte()}`;
    const statuses = await forgedCallbacks(slug, ip);
    expect(statuses).toEqual(Array(FORGED).fill(400));
    // Counted apart, never toward the lock that refuses passkey sign-ins.
    expect(await counted(`stray:${ip}`)).toBe(FORGED);
    expect(await counted(`anon:${ip}`)).toBe(0);

    // The person cancels at GitHub: the callback carries this browser's attempt, so it is honoured
    // (the cancellation page, not a 429 and not "does not belong to a sign-in started here").
    const browser = new Browser();
    const state = await startGithub(browser, slug, ip);
    const back = await fetchAs(browser, ip, `/federation/${slug}/callback?error=access_denied&state=${encodeURIComponent(state)}`);
    expect(back.status).toBe(400);
    expect(await back.text()).toContain('Sign-in cancelled');
  }, 120_000);

  it('do not cancel a sign-in in progress: a callback that does not match leaves the cookie alone', async () => {
    const slug = await githubSource();
    const other = await githubSource();
    const ip = `198.51.100.${randomByte()}`;
    const browser = new Browser();
    const state = await startGithub(browser, slug, ip);
    const cookie = browser.cookies.get(ATTEMPT);
    expect(cookie).toBeDefined();
    // The same browser loads forged callbacks: no state, a wrong one, another source's URL.
    for (const path of [`/federation/${slug}/callback?x=1`, `/federation/${slug}/callback?state=guess&code=c`, `/federation/${other}/callback?state=${encodeURIComponent(state)}`]) {
      const res = await fetchAs(browser, ip, path);
      expect(res.status).toBe(400);
      expect(res.headers.getSetCookie().join()).not.toContain('edge-sso-fed');
    }
    expect(browser.cookies.get(ATTEMPT)).toBe(cookie);
    const back = await fetchAs(browser, ip, `/federation/${slug}/callback?error=access_denied&state=${encodeURIComponent(state)}`);
    expect(await back.text()).toContain('Sign-in cancelled');
    // The matching callback uses the attempt up: it is cleared, and a second one is refused.
    expect(browser.cookies.has(ATTEMPT)).toBe(false);
  });
});

describe('SAML ACS posts another site makes a browser send', () => {
  let idp: TestKey;
  beforeAll(async () => {
    idp = await testKey('idp');
  });

  /** A response to `requestId` (or unsolicited), signed by the IdP, for a fresh user. */
  async function signedResponse(source: Record<string, any>, requestId?: string): Promise<string> {
    const id = `_a${crypto.randomUUID()}`;
    const acs = source.acs_url as string;
    const assertion = assertionXml({
      id,
      recipient: acs,
      audience: source.sp_entity_id,
      ...(requestId ? { inResponseTo: requestId } : {}),
      nameId: unique('n'),
      attributes: { 'urn:oid:0.9.2342.19200300.100.1.3': [`${unique('u')}@example.org`] },
    });
    return b64(await signById(responseXml({ destination: acs, ...(requestId ? { inResponseTo: requestId } : {}), body: assertion }), id, idp));
  }

  it('never lock the address: a genuine SP-initiated response from it still signs in', async () => {
    const source = await createSamlSource([idp.certificate]);
    const ip = `203.0.113.${randomByte()}`;
    for (let i = 0; i < FORGED; i++) expect((await postToAcs(new Browser(), ip, source.acs_url, b64('<x/>'), '')).status).toBe(400);
    expect(await counted(`stray:${ip}`)).toBe(FORGED);
    expect(await counted(`anon:${ip}`)).toBe(0);

    const { browser, requestId, relayState } = await startSignIn(source.slug);
    const res = await postToAcs(browser, ip, source.acs_url, await signedResponse(source, requestId), relayState);
    expect(res.status, await res.clone().text()).toBe(303);
    expect(browser.cookies.has(SESSION)).toBe(true);
  }, 120_000);

  it('with IdP-initiated sign-in allowed: failing unsolicited posts never lock, and an IdP-initiated sign-in still works', async () => {
    const source = await createSamlSource([idp.certificate], { allow_idp_initiated: true });
    const ip = `203.0.113.${randomByte()}`;
    for (let i = 0; i < FORGED; i++) expect((await postToAcs(new Browser(), ip, source.acs_url, b64('<x/>'), '')).status).toBe(400);
    expect(await counted(`stray:${ip}`)).toBe(FORGED);
    expect(await counted(`anon:${ip}`)).toBe(0);

    const browser = new Browser();
    const res = await postToAcs(browser, ip, source.acs_url, await signedResponse(source), '');
    expect(res.status, await res.clone().text()).toBe(303);
    expect(browser.cookies.has(SESSION)).toBe(true);
  }, 120_000);

  it('do not cancel a sign-in in progress: a post with another RelayState leaves the SameSite=None cookie alone', async () => {
    const source = await createSamlSource([idp.certificate]);
    const ip = `203.0.113.${randomByte()}`;
    const { browser, requestId, relayState } = await startSignIn(source.slug);
    const cookie = browser.cookies.get(ATTEMPT);
    expect(cookie).toBeDefined();
    for (const forgedRelayState of ['', 'guess']) {
      const res = await postToAcs(browser, ip, source.acs_url, b64('<x/>'), forgedRelayState);
      expect(res.status).toBe(400);
      expect(res.headers.getSetCookie().join()).not.toContain('edge-sso-fed');
    }
    expect(browser.cookies.get(ATTEMPT)).toBe(cookie);
    const res = await postToAcs(browser, ip, source.acs_url, await signedResponse(source, requestId), relayState);
    expect(res.status, await res.clone().text()).toBe(303);
    expect(browser.cookies.has(SESSION)).toBe(true);
  });
});

describe('passkey sign-in after a page sent forged callbacks and ACS posts from the address', () => {
  it('still signs in: nothing another site can make a browser send counts toward its lock', async () => {
    const { authenticator } = await userWithPasskey();
    const ip = `192.0.2.${randomByte()}`;
    await forgedCallbacks(await githubSource(), ip);
    const saml = await createSamlSource([(await testKey('idp')).certificate]);
    for (let i = 0; i < FORGED; i++) await postToAcs(new Browser(), ip, saml.acs_url, b64('<x/>'), '');
    // A source that cannot start (its provider is unreachable), opened by an <img> too.
    const unreachable = unique('oidc').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40);
    await createSource(database(env.DB), keyring(env), parseNewSource({ type: 'oidc', slug: unreachable, name: 'Down', issuer: 'https://127.0.0.1:9', client_id: 'c', client_secret: 'upstream-secret' }));
    expect((await fetchAs(new Browser(), ip, `/federation/${unreachable}/start`)).status).toBe(502);
    expect(await counted(`stray:${ip}`)).toBe(2 * FORGED + 1);
    expect(await counted(`anon:${ip}`)).toBe(0);

    const browser = new Browser();
    const page = await (await fetchAs(browser, ip, '/login/passkey')).text();
    const assertion = await authenticator.assert(pageOptions<RequestOptions>(page));
    const post = form({ ...hiddenFields(page), response: assertion });
    const res = await fetchAs(browser, ip, '/login/passkey', post);
    expect(res.status).toBe(303);
    expect(browser.cookies.has(SESSION)).toBe(true);
  }, 120_000);
});
